package priority

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/apiserver/admission"
)

// classesLookups serves classes from a slice, the way a lister would.
func classesLookups(classes []schedulingv1.PriorityClass, listErr error) (GetFunc, ListFunc) {
	get := func(_ context.Context, name string) (*schedulingv1.PriorityClass, error) {
		for i := range classes {
			if classes[i].Name == name {
				return classes[i].DeepCopy(), nil
			}
		}
		return nil, apierrors.NewNotFound(schedulingv1.Resource("priorityclasses"), name)
	}
	list := func(context.Context, bool) ([]schedulingv1.PriorityClass, error) {
		if listErr != nil {
			return nil, listErr
		}
		return classes, nil
	}
	return get, list
}

func class(name string, value int32, globalDefault bool, policy corev1.PreemptionPolicy) schedulingv1.PriorityClass {
	return schedulingv1.PriorityClass{
		ObjectMeta:       metav1.ObjectMeta{Name: name},
		Value:            value,
		GlobalDefault:    globalDefault,
		PreemptionPolicy: ptr.To(policy),
	}
}

var (
	lower = corev1.PreemptLowerPriority
	never = corev1.PreemptNever
)

func podAttrs(op admission.Operation, pod, old *corev1.Pod) *admission.Attributes {
	attrs := &admission.Attributes{
		Operation: op,
		Kind:      corev1.SchemeGroupVersion.WithKind("Pod"),
		Resource:  corev1.SchemeGroupVersion.WithResource("pods"),
		Namespace: "default",
		Name:      pod.Name,
		Object:    pod,
	}
	if old != nil {
		attrs.OldObject = old
	}
	return attrs
}

func TestAdmitPodCreate(t *testing.T) {
	high := class("high", 1000, false, lower)
	calm := class("calm", 500, false, never)
	dflt := class("dflt", 100, true, never)
	dfltLow := class("dflt-low", 50, true, lower)
	tests := []struct {
		name        string
		classes     []schedulingv1.PriorityClass
		listErr     error
		className   string
		priority    *int32
		policy      *corev1.PreemptionPolicy
		wantClass   string
		wantValue   int32
		wantPolicy  corev1.PreemptionPolicy
		wantErr     func(error) bool
		wantMessage string
	}{
		{name: "class resolved", classes: []schedulingv1.PriorityClass{high}, className: "high",
			wantClass: "high", wantValue: 1000, wantPolicy: lower},
		{name: "class policy applied", classes: []schedulingv1.PriorityClass{calm}, className: "calm",
			wantClass: "calm", wantValue: 500, wantPolicy: never},
		{name: "same priority accepted", classes: []schedulingv1.PriorityClass{high}, className: "high", priority: ptr.To[int32](1000),
			wantClass: "high", wantValue: 1000, wantPolicy: lower},
		{name: "different priority rejected", classes: []schedulingv1.PriorityClass{high}, className: "high", priority: ptr.To[int32](7),
			wantErr: apierrors.IsForbidden, wantMessage: "the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"},
		{name: "different policy rejected", classes: []schedulingv1.PriorityClass{calm}, className: "calm", policy: &lower,
			wantErr: apierrors.IsForbidden, wantMessage: "the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name"},
		{name: "unknown class", className: "nope",
			wantErr: apierrors.IsForbidden, wantMessage: "no PriorityClass with name nope was found"},
		{name: "built-in cluster critical before it is stored", className: "system-cluster-critical",
			wantClass: "system-cluster-critical", wantValue: 2000000000, wantPolicy: lower},
		{name: "built-in node critical before it is stored", className: "system-node-critical",
			wantClass: "system-node-critical", wantValue: 2000001000, wantPolicy: lower},
		{name: "no class, no default", classes: []schedulingv1.PriorityClass{high},
			wantClass: "", wantValue: 0, wantPolicy: lower},
		{name: "no class, registry defaults, no default class", priority: ptr.To[int32](0), policy: &lower,
			wantClass: "", wantValue: 0, wantPolicy: lower},
		{name: "no class, explicit priority, no default class", priority: ptr.To[int32](5),
			wantErr: apierrors.IsForbidden, wantMessage: "priority admission controller computed 0 from"},
		{name: "no class, explicit Never, no default class", policy: &never,
			wantErr: apierrors.IsForbidden, wantMessage: "the string value of PreemptionPolicy (Never)"},
		{name: "global default used", classes: []schedulingv1.PriorityClass{high, dflt},
			wantClass: "dflt", wantValue: 100, wantPolicy: never},
		{name: "global default overrides registry defaults", classes: []schedulingv1.PriorityClass{dflt}, priority: ptr.To[int32](0), policy: &lower,
			wantClass: "dflt", wantValue: 100, wantPolicy: never},
		{name: "global default, matching priority", classes: []schedulingv1.PriorityClass{dflt}, priority: ptr.To[int32](100),
			wantClass: "dflt", wantValue: 100, wantPolicy: never},
		{name: "global default, other priority", classes: []schedulingv1.PriorityClass{dflt}, priority: ptr.To[int32](3),
			wantErr: apierrors.IsForbidden, wantMessage: "computed 100 from"},
		{name: "several defaults: lowest value wins", classes: []schedulingv1.PriorityClass{dflt, dfltLow},
			wantClass: "dflt-low", wantValue: 50, wantPolicy: lower},
		{name: "list failure is internal", listErr: errors.New("etcd down"),
			wantErr: apierrors.IsInternalError, wantMessage: "etcd down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
				Spec:       corev1.PodSpec{PriorityClassName: tt.className, Priority: tt.priority, PreemptionPolicy: tt.policy},
			}
			err := New(classesLookups(tt.classes, tt.listErr)).Admit(context.Background(), podAttrs(admission.Create, pod, nil))
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) {
					t.Fatalf("err = %v, want a matching API error", err)
				}
				if !strings.Contains(err.Error(), tt.wantMessage) {
					t.Fatalf("err = %q, want it to contain %q", err, tt.wantMessage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := pod.Spec
			if s.PriorityClassName != tt.wantClass || s.Priority == nil || *s.Priority != tt.wantValue ||
				s.PreemptionPolicy == nil || *s.PreemptionPolicy != tt.wantPolicy {
				t.Fatalf("got class %q priority %v policy %v, want %q %d %s",
					s.PriorityClassName, deref(s.Priority), deref(s.PreemptionPolicy), tt.wantClass, tt.wantValue, tt.wantPolicy)
			}
		})
	}
}

func TestForbiddenNamesPod(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-"}, Spec: corev1.PodSpec{PriorityClassName: "nope"}}
	err := New(classesLookups(nil, nil)).Admit(context.Background(), podAttrs(admission.Create, pod, nil))
	want := `pods "web-" is forbidden: no PriorityClass with name nope was found`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestAdmitPodUpdateAndSkips(t *testing.T) {
	stored := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{
		PriorityClassName: "high", Priority: ptr.To[int32](1000), PreemptionPolicy: &never}}
	tests := []struct {
		name       string
		attrs      func(pod *corev1.Pod) *admission.Attributes
		wantValue  *int32
		wantPolicy *corev1.PreemptionPolicy
	}{
		{name: "update keeps stored priority", wantValue: ptr.To[int32](1000), wantPolicy: &never,
			attrs: func(pod *corev1.Pod) *admission.Attributes { return podAttrs(admission.Update, pod, stored) }},
		{name: "status subresource ignored",
			attrs: func(pod *corev1.Pod) *admission.Attributes {
				a := podAttrs(admission.Create, pod, nil)
				a.Subresource = "status"
				return a
			}},
		{name: "delete ignored",
			attrs: func(pod *corev1.Pod) *admission.Attributes { return podAttrs(admission.Delete, pod, nil) }},
		{name: "other resource ignored",
			attrs: func(pod *corev1.Pod) *admission.Attributes {
				a := podAttrs(admission.Create, pod, nil)
				a.Resource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "pods"}
				return a
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An unknown class would be refused if the plugin looked at it.
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{PriorityClassName: "unknown"}}
			if err := New(classesLookups(nil, nil)).Admit(context.Background(), tt.attrs(pod)); err != nil {
				t.Fatal(err)
			}
			if deref(pod.Spec.Priority) != deref(tt.wantValue) || deref(pod.Spec.PreemptionPolicy) != deref(tt.wantPolicy) {
				t.Fatalf("got priority %v policy %v", deref(pod.Spec.Priority), deref(pod.Spec.PreemptionPolicy))
			}
		})
	}
}

func TestValidatePriorityClass(t *testing.T) {
	existing := class("dflt", 100, true, lower)
	plain := class("plain", 10, false, lower)
	tests := []struct {
		name        string
		classes     []schedulingv1.PriorityClass
		op          admission.Operation
		obj         runtime.Object
		subresource string
		wantMessage string // "" means admitted
	}{
		{name: "first default", classes: []schedulingv1.PriorityClass{plain}, op: admission.Create, obj: ptr.To(class("new", 5, true, lower))},
		{name: "second default refused", classes: []schedulingv1.PriorityClass{existing}, op: admission.Create, obj: ptr.To(class("new", 5, true, lower)),
			wantMessage: `priorityclasses.scheduling.k8s.io "new" is forbidden: PriorityClass dflt is already marked as default. Only one default can exist`},
		{name: "non-default next to a default", classes: []schedulingv1.PriorityClass{existing}, op: admission.Create, obj: ptr.To(class("new", 5, false, lower))},
		{name: "update of the default itself", classes: []schedulingv1.PriorityClass{existing}, op: admission.Update, obj: ptr.To(class("dflt", 100, true, lower))},
		{name: "update making a second default refused", classes: []schedulingv1.PriorityClass{existing, plain}, op: admission.Update, obj: ptr.To(class("plain", 10, true, lower)),
			wantMessage: "PriorityClass dflt is already marked as default. Only one default can exist"},
		{name: "delete ignored", classes: []schedulingv1.PriorityClass{existing}, op: admission.Delete, obj: ptr.To(class("new", 5, true, lower))},
		{name: "subresource ignored", classes: []schedulingv1.PriorityClass{existing}, op: admission.Update, subresource: "status", obj: ptr.To(class("new", 5, true, lower))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := &admission.Attributes{
				Operation:   tt.op,
				Kind:        schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"),
				Resource:    schedulingv1.SchemeGroupVersion.WithResource("priorityclasses"),
				Subresource: tt.subresource,
				Object:      tt.obj,
			}
			err := New(classesLookups(tt.classes, nil)).Validate(context.Background(), attrs)
			if tt.wantMessage == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tt.wantMessage) {
				t.Fatalf("err = %v, want Forbidden containing %q", err, tt.wantMessage)
			}
		})
	}
}

func TestValidateIgnoresPods(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{PriorityClassName: "unknown"}}
	if err := New(classesLookups(nil, nil)).Validate(context.Background(), podAttrs(admission.Create, pod, nil)); err != nil {
		t.Fatal(err)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
