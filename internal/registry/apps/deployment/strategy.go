package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Strategy is the Deployment strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the Deployment strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the apps/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*appsv1.Deployment))
}

// PrepareForUpdate keeps status and bumps generation on spec or annotation
// changes: annotations are copied to the replica sets, so they count as
// desired state.
func (s Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d := obj.(*appsv1.Deployment)
	o := old.(*appsv1.Deployment)
	d.Status = o.Status
	gen := o.Generation
	if !apiequality.Semantic.DeepEqual(d.Spec, o.Spec) || !apiequality.Semantic.DeepEqual(d.Annotations, o.Annotations) {
		gen++
	}
	d.Generation = gen
}

// Validate checks a new Deployment.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	d := obj.(*appsv1.Deployment)
	allErrs := registry.ValidateObjectMeta(d, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&d.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update; the selector is immutable in apps/v1.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d := obj.(*appsv1.Deployment)
	o := old.(*appsv1.Deployment)
	allErrs := registry.ValidateObjectMetaUpdate(d, o)
	allErrs = append(allErrs, validateSpec(&d.Spec, field.NewPath("spec"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(d.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
	return allErrs
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d := obj.(*appsv1.Deployment)
	o := old.(*appsv1.Deployment)
	allErrs := registry.ValidateObjectMetaUpdate(d, o)
	allErrs = append(allErrs, validateStatus(&d.Status, field.NewPath("status"))...)
	allErrs = append(allErrs, workload.ValidateCollisionCount(d.Status.CollisionCount, o.Status.CollisionCount, field.NewPath("status", "collisionCount"))...)
	return allErrs
}
