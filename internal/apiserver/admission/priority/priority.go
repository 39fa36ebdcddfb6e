package priority

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/registry/scheduling/priorityclass"
)

// PluginName is the plugin's name, as upstream's --enable-admission-plugins
// spells it.
const PluginName = "Priority"

// DefaultPriority is a pod's priority when it names no class and no class
// is the global default.
const DefaultPriority int32 = 0

var (
	podsResource            = schema.GroupResource{Resource: "pods"}
	priorityClassesResource = schema.GroupResource{Group: schedulingv1.GroupName, Resource: "priorityclasses"}
)

// Plugin resolves pod priorities and guards the single globalDefault class.
// Register it both as a Mutator (pods) and as a Validator
// (PriorityClasses).
type Plugin struct {
	get  GetFunc
	list ListFunc
}

var (
	_ admission.Mutator   = (*Plugin)(nil)
	_ admission.Validator = (*Plugin)(nil)
)

// New returns the plugin reading classes through get and list.
func New(get GetFunc, list ListFunc) *Plugin {
	return &Plugin{get: get, list: list}
}

// Admit implements admission.Mutator: it sets the priority of pods.
func (p *Plugin) Admit(ctx context.Context, attrs *admission.Attributes) error {
	if attrs.Subresource != "" || attrs.Resource.GroupResource() != podsResource {
		return nil
	}
	pod, ok := attrs.Object.(*corev1.Pod)
	if !ok {
		return nil
	}
	switch attrs.Operation {
	case admission.Create:
		return p.admitNewPod(ctx, attrs, pod)
	case admission.Update:
		// A full update may omit what this plugin set at creation; keep
		// it, so validation sees only the changes the client meant.
		old, ok := attrs.OldObject.(*corev1.Pod)
		if !ok {
			return nil
		}
		if pod.Spec.Priority == nil && old.Spec.Priority != nil {
			v := *old.Spec.Priority
			pod.Spec.Priority = &v
		}
		if pod.Spec.PreemptionPolicy == nil && old.Spec.PreemptionPolicy != nil {
			v := *old.Spec.PreemptionPolicy
			pod.Spec.PreemptionPolicy = &v
		}
	}
	return nil
}

func (p *Plugin) admitNewPod(ctx context.Context, attrs *admission.Attributes, pod *corev1.Pod) error {
	spec := &pod.Spec
	var (
		className string
		value     int32
		policy    *corev1.PreemptionPolicy
	)
	if spec.PriorityClassName == "" {
		dflt, err := p.defaultClass(ctx, false)
		if err != nil {
			return apierrors.NewInternalError(fmt.Errorf("error occurred while retrieving default priority class: %w", err))
		}
		if dflt != nil {
			className, value, policy = dflt.Name, dflt.Value, dflt.PreemptionPolicy
			if registryDefaulted(spec) {
				spec.Priority, spec.PreemptionPolicy = nil, nil
			}
		} else {
			lower := corev1.PreemptLowerPriority
			value, policy = DefaultPriority, &lower
		}
	} else {
		pc, err := p.resolve(ctx, attrs, spec.PriorityClassName)
		if err != nil {
			return err
		}
		className, value, policy = pc.Name, pc.Value, pc.PreemptionPolicy
	}

	if spec.Priority != nil && *spec.Priority != value {
		return forbidden(attrs, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *spec.Priority, value))
	}
	if policy != nil && spec.PreemptionPolicy != nil && *spec.PreemptionPolicy != *policy {
		return forbidden(attrs, fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *spec.PreemptionPolicy, *policy))
	}
	spec.PriorityClassName = className
	spec.Priority = &value
	if policy != nil {
		pp := *policy
		spec.PreemptionPolicy = &pp
	}
	return nil
}

// registryDefaulted reports whether spec carries exactly what the pod
// strategy's Default fills in for a pod without a class (priority 0,
// PreemptLowerPriority). Defaulting runs before admission here, unlike
// upstream where this plugin alone sets those fields, so those values are
// taken as unset when a default class applies; otherwise every pod would
// be refused as soon as a globalDefault class exists.
func registryDefaulted(spec *corev1.PodSpec) bool {
	return spec.Priority != nil && *spec.Priority == DefaultPriority &&
		spec.PreemptionPolicy != nil && *spec.PreemptionPolicy == corev1.PreemptLowerPriority
}

// resolve returns the class called name, or upstream's 403 when there is
// none. The two built-in system classes resolve even before bootstrap has
// stored them.
func (p *Plugin) resolve(ctx context.Context, attrs *admission.Attributes, name string) (*schedulingv1.PriorityClass, error) {
	pc, err := p.get(ctx, name)
	if err == nil {
		return pc, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, apierrors.NewInternalError(fmt.Errorf("failed to resolve PriorityClass with name %s: %w", name, err))
	}
	for _, sys := range priorityclass.SystemPriorityClasses() {
		if sys.Name == name {
			priorityclass.NewStrategy().Default(sys)
			return sys, nil
		}
	}
	return nil, forbidden(attrs, fmt.Errorf("no PriorityClass with name %v was found", name))
}

// defaultClass returns the globalDefault class, or nil. Should a race have
// left several, the lowest value wins, as upstream documents.
func (p *Plugin) defaultClass(ctx context.Context, fresh bool) (*schedulingv1.PriorityClass, error) {
	classes, err := p.list(ctx, fresh)
	if err != nil {
		return nil, err
	}
	var dflt *schedulingv1.PriorityClass
	for i := range classes {
		pc := &classes[i]
		if pc.GlobalDefault && (dflt == nil || pc.Value < dflt.Value) {
			dflt = pc
		}
	}
	return dflt, nil
}

// Validate implements admission.Validator: at most one PriorityClass may
// be the global default.
func (p *Plugin) Validate(ctx context.Context, attrs *admission.Attributes) error {
	if attrs.Subresource != "" || attrs.Resource.GroupResource() != priorityClassesResource {
		return nil
	}
	if attrs.Operation != admission.Create && attrs.Operation != admission.Update {
		return nil
	}
	pc, ok := attrs.Object.(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault {
		return nil
	}
	// Read fresh: two defaults created back to back must not both pass.
	dflt, err := p.defaultClass(ctx, true)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("failed to get default priority class: %w", err))
	}
	if dflt == nil || (attrs.Operation == admission.Update && dflt.Name == pc.Name) {
		return nil
	}
	return forbidden(attrs, fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", dflt.Name))
}

// forbidden is the 403 upstream's admission answers with, naming the
// request's resource and object.
func forbidden(attrs *admission.Attributes, err error) error {
	return apierrors.NewForbidden(attrs.Resource.GroupResource(), objectName(attrs), err)
}

// objectName is the name an error should mention: the request's, else the
// object's name or generateName (names are generated after admission).
func objectName(attrs *admission.Attributes) string {
	if attrs.Name != "" {
		return attrs.Name
	}
	if attrs.Object != nil {
		if m, err := meta.Accessor(attrs.Object); err == nil {
			if m.GetName() != "" {
				return m.GetName()
			}
			if m.GetGenerateName() != "" {
				return m.GetGenerateName()
			}
		}
	}
	return "Unknown"
}
