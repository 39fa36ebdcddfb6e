package horizontalpodautoscaler

import (
	"context"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the HorizontalPodAutoscaler strategy; it works on the stored
// autoscaling/v2 form for both served versions.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the HPA strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the autoscaling/v2 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*autoscalingv2.HorizontalPodAutoscaler))
}

// Validate checks a new HPA.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	h := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	allErrs := registry.ValidateObjectMeta(h, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&h.Spec, field.NewPath("spec"), optionsFor(h, nil))...)
}

// ValidateUpdate checks an update.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	h := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	o := old.(*autoscalingv2.HorizontalPodAutoscaler)
	allErrs := registry.ValidateObjectMetaUpdate(h, o)
	return append(allErrs, validateSpec(&h.Spec, field.NewPath("spec"), optionsFor(h, o))...)
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	h := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	allErrs := registry.ValidateObjectMetaUpdate(h, old)
	return append(allErrs, validateStatus(&h.Status, field.NewPath("status"))...)
}

// optionsFor relaxes reference checks: ReplicationControllers live in the
// core group, and values an update does not touch were accepted before.
func optionsFor(h, old *autoscalingv2.HorizontalPodAutoscaler) specOptions {
	opts := specOptions{objectMetrics: refOptions{allowEmptyAPIGroup: true}}
	ref := h.Spec.ScaleTargetRef
	switch {
	case old != nil && old.Spec.ScaleTargetRef.APIVersion == ref.APIVersion && old.Spec.ScaleTargetRef.Kind == ref.Kind:
		opts.scaleTargetRef.allowInvalidAPIVersion = true
	case ref.Kind == "ReplicationController":
		opts.scaleTargetRef.allowEmptyAPIGroup = true
	}
	if old != nil {
		for _, m := range old.Spec.Metrics {
			if m.Type == autoscalingv2.ObjectMetricSourceType && m.Object != nil && validateAPIVersion(m.Object.DescribedObject.APIVersion, opts.objectMetrics) != nil {
				opts.objectMetrics.allowInvalidAPIVersion = true
				break
			}
		}
	}
	return opts
}
