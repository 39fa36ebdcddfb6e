package handlers

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/nauta/nauta/internal/registry"
)

func patchTestScope() *scope { return patchTestScopeFor(&corev1.Pod{}, "Pod") }

// patchTestScopeFor is a scope for the core/v1 kind of example.
func patchTestScopeFor(example runtime.Object, kind string) *scope {
	return &scope{ep: &endpoint{
		res: &registry.Resource{Namespaced: true, New: func() runtime.Object {
			// An empty object, as a registry's New returns: decoding into
			// a filled one would merge maps instead of replacing them.
			return reflect.New(reflect.TypeOf(example).Elem()).Interface().(runtime.Object)
		}},
		gvk: corev1.SchemeGroupVersion.WithKind(kind),
	}}
}

// patchTestPod is a served pod with something in every top-level field.
func patchTestPod() *corev1.Pod {
	started := metav1.NewTime(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "p", Namespace: "ns", UID: "u1", ResourceVersion: "7",
			Labels:      map[string]string{"app": "web", "tier": "front"},
			Annotations: map[string]string{"note": "x"},
		},
		Spec: corev1.PodSpec{
			NodeName: "n1",
			Containers: []corev1.Container{
				{Name: "main", Image: "nginx", Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				}},
				{Name: "side", Image: "busybox", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}},
			},
		},
		Status: corev1.PodStatus{
			Phase:     corev1.PodPending,
			StartTime: &started,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady"},
			},
		},
	}
}

// TestPatchFieldsMatchesWholeObject checks that patching only the named
// top-level fields gives what patching the whole object's JSON gives.
func TestPatchFieldsMatchesWholeObject(t *testing.T) {
	tests := []struct {
		name  string
		pt    types.PatchType
		patch string
	}{
		{"merge status", types.MergePatchType, `{"status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True"}]}}`},
		{"merge status null removes", types.MergePatchType, `{"status":{"startTime":null,"phase":"Failed"}}`},
		{"merge labels", types.MergePatchType, `{"metadata":{"labels":{"tier":null,"new":"yes"},"annotations":{"note":"y"}}}`},
		{"merge spec list replaced", types.MergePatchType, `{"spec":{"containers":[{"name":"only","image":"x"}]}}`},
		{"merge whole status null", types.MergePatchType, `{"status":null}`},
		{"merge empty", types.MergePatchType, `{}`},
		{"merge numbers stay exact", types.MergePatchType, `{"spec":{"activeDeadlineSeconds":9007199254740993}}`},
		{"merge resourceVersion", types.MergePatchType, `{"metadata":{"resourceVersion":"7"},"status":{"message":"m"}}`},
		{"strategic containers by name", types.StrategicMergePatchType, `{"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}`},
		{"strategic condition by type", types.StrategicMergePatchType, `{"status":{"conditions":[{"type":"Ready","status":"True"}]}}`},
		{"strategic set element order", types.StrategicMergePatchType,
			`{"status":{"$setElementOrder/conditions":[{"type":"Ready"},{"type":"PodScheduled"}],"conditions":[{"type":"Ready","status":"True"}]}}`},
		{"strategic delete from list", types.StrategicMergePatchType, `{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}`},
		{"strategic labels and status", types.StrategicMergePatchType, `{"metadata":{"labels":{"app":null}},"status":{"phase":"Running"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := patchTestScope()
			whole, wholeWarnings, wholeErr := s.patchWhole(tc.pt, patchTestPod(), []byte(tc.patch), metav1.FieldValidationStrict)
			fields, fieldWarnings, handled, fieldErr := s.patchFields(tc.pt, patchTestPod(), []byte(tc.patch), metav1.FieldValidationStrict)
			if !handled {
				t.Fatal("patch not handled field by field")
			}
			if (wholeErr == nil) != (fieldErr == nil) {
				t.Fatalf("errors differ: whole %v, fields %v", wholeErr, fieldErr)
			}
			if wholeErr != nil {
				return
			}
			if len(wholeWarnings) != len(fieldWarnings) {
				t.Errorf("warnings differ: whole %q, fields %q", wholeWarnings, fieldWarnings)
			}
			if w, f := mustJSON(t, whole), mustJSON(t, fields); w != f {
				t.Errorf("results differ:\nwhole  %s\nfields %s", w, f)
			}
		})
	}
}

// TestPatchFieldsMatchesWholeObjectForOtherKinds covers field types pods
// lack: quantities in maps, int-or-string, byte slices, plain maps.
func TestPatchFieldsMatchesWholeObjectForOtherKinds(t *testing.T) {
	node := &corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"zone": "a"}},
		Spec:       corev1.NodeSpec{PodCIDR: "10.0.1.0/24", Taints: []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{
			Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				LastHeartbeatTime: metav1.NewTime(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))}},
		},
	}
	service := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromString("web")},
			{Name: "alt", Port: 8080, TargetPort: intstr.FromInt32(8081)},
		}},
	}
	configMap := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"},
		Data:       map[string]string{"a": "1", "b": "2"},
		BinaryData: map[string][]byte{"bin": {0, 1, 2}},
	}
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Data:       map[string][]byte{"password": []byte("hunter2")},
		Type:       corev1.SecretTypeOpaque,
	}
	tests := []struct {
		name    string
		current runtime.Object
		kind    string
		pt      types.PatchType
		patch   string
	}{
		{"node heartbeat merge", node, "Node", types.MergePatchType, `{"status":{"conditions":[{"type":"Ready","status":"False","lastHeartbeatTime":"2026-11-02T10:00:00Z"}]}}`},
		{"node capacity strategic", node, "Node", types.StrategicMergePatchType, `{"status":{"capacity":{"cpu":"8","pods":"110"}}}`},
		{"node taints strategic", node, "Node", types.StrategicMergePatchType, `{"spec":{"taints":[{"key":"k2","effect":"NoExecute"}]}}`},
		{"service ports merge", service, "Service", types.MergePatchType, `{"spec":{"ports":[{"name":"http","port":81,"targetPort":8080}]}}`},
		{"service ports strategic", service, "Service", types.StrategicMergePatchType, `{"spec":{"ports":[{"port":8080,"targetPort":"alt-web"}]}}`},
		{"configmap data merge", configMap, "ConfigMap", types.MergePatchType, `{"data":{"a":null,"c":"3"},"binaryData":{"bin2":"AAE="}}`},
		{"configmap data null", configMap, "ConfigMap", types.MergePatchType, `{"data":null}`},
		{"secret data merge", secret, "Secret", types.MergePatchType, `{"data":{"token":"c2VjcmV0"}}`},
		{"secret type", secret, "Secret", types.MergePatchType, `{"type":"kubernetes.io/basic-auth"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := patchTestScopeFor(tc.current, tc.kind)
			whole, _, wholeErr := s.patchWhole(tc.pt, tc.current.DeepCopyObject(), []byte(tc.patch), metav1.FieldValidationStrict)
			fields, _, handled, fieldErr := s.patchFields(tc.pt, tc.current.DeepCopyObject(), []byte(tc.patch), metav1.FieldValidationStrict)
			if !handled {
				t.Fatal("patch not handled field by field")
			}
			if errText(wholeErr) != errText(fieldErr) {
				t.Fatalf("errors differ: whole %v, fields %v", wholeErr, fieldErr)
			}
			if w, f := mustJSON(t, whole), mustJSON(t, fields); w != f {
				t.Errorf("results differ:\nwhole  %s\nfields %s", w, f)
			}
		})
	}
}

// TestPatchFieldsErrorsMatchWholeObject checks that bad content in a
// patched field fails (or warns) with the same words either way.
func TestPatchFieldsErrorsMatchWholeObject(t *testing.T) {
	tests := []struct {
		name      string
		patch     string
		directive string
	}{
		{"unknown nested field strict", `{"status":{"bogus":1}}`, metav1.FieldValidationStrict},
		{"unknown nested field warn", `{"status":{"bogus":1}}`, metav1.FieldValidationWarn},
		{"unknown nested field ignore", `{"status":{"bogus":1}}`, metav1.FieldValidationIgnore},
		{"wrong type", `{"status":{"phase":5}}`, metav1.FieldValidationStrict},
		{"bad quantity", `{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}}`, metav1.FieldValidationStrict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := patchTestScope()
			_, wholeWarnings, wholeErr := s.patchWhole(types.MergePatchType, patchTestPod(), []byte(tc.patch), tc.directive)
			_, fieldWarnings, handled, fieldErr := s.patchFields(types.MergePatchType, patchTestPod(), []byte(tc.patch), tc.directive)
			if !handled {
				t.Fatal("patch not handled field by field")
			}
			if errText(wholeErr) != errText(fieldErr) {
				t.Errorf("errors differ:\nwhole  %v\nfields %v", wholeErr, fieldErr)
			}
			if mustJSON(t, wholeWarnings) != mustJSON(t, fieldWarnings) {
				t.Errorf("warnings differ: whole %q, fields %q", wholeWarnings, fieldWarnings)
			}
		})
	}
}

// TestPatchFieldsLeavesOthersToTheWholeObject lists the patches that must
// take the whole-object path.
func TestPatchFieldsLeavesOthersToTheWholeObject(t *testing.T) {
	tests := []struct {
		name  string
		pt    types.PatchType
		patch string
	}{
		{"json patch", types.JSONPatchType, `[{"op":"add","path":"/metadata/labels/a","value":"b"}]`},
		{"not an object", types.MergePatchType, `["status"]`},
		{"malformed", types.MergePatchType, `{"status":`},
		{"null patch", types.MergePatchType, `null`},
		{"apiVersion", types.MergePatchType, `{"apiVersion":"v2"}`},
		{"kind", types.MergePatchType, `{"kind":"Node"}`},
		{"unknown top-level field", types.MergePatchType, `{"bogus":{"a":1}}`},
		{"top-level directive", types.StrategicMergePatchType, `{"$patch":"replace","spec":{}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := patchTestPod()
			_, _, handled, err := patchTestScope().patchFields(tc.pt, pod, []byte(tc.patch), metav1.FieldValidationStrict)
			if handled || err != nil {
				t.Fatalf("handled %v, err %v; want it left to the whole-object patch", handled, err)
			}
			if mustJSON(t, pod) != mustJSON(t, patchTestPod()) {
				t.Fatal("the object was changed")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
