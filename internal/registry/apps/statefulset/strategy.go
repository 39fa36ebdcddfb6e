package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Strategy is the StatefulSet strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the StatefulSet strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the apps/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*appsv1.StatefulSet))
}

// Validate checks a new StatefulSet. Its name becomes the pods' hostname
// prefix, so it must be a DNS label.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	s := obj.(*appsv1.StatefulSet)
	allErrs := registry.ValidateObjectMeta(s, true, registry.NameIsDNSLabel)
	return append(allErrs, validateSpec(&s.Spec, field.NewPath("spec"), specOptions{})...)
}

// ValidateUpdate checks an update, tolerating stored values that later
// versions stopped accepting in fields the update cannot change.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	s := obj.(*appsv1.StatefulSet)
	o := old.(*appsv1.StatefulSet)
	allErrs := registry.ValidateObjectMetaUpdate(s, o)
	opts := specOptions{allowInvalidServiceName: true, skipClaimTemplates: true}
	if len(validateSpec(&o.Spec, field.NewPath("spec"), opts)) > 0 {
		opts.skipTemplateValidation = true
	}
	allErrs = append(allErrs, validateSpec(&s.Spec, field.NewPath("spec"), opts)...)
	return append(allErrs, validateUpdate(s, o)...)
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	s := obj.(*appsv1.StatefulSet)
	o := old.(*appsv1.StatefulSet)
	allErrs := validateStatus(&s.Status, field.NewPath("status"))
	allErrs = append(allErrs, registry.ValidateObjectMetaUpdate(s, o)...)
	return append(allErrs, workload.ValidateCollisionCount(s.Status.CollisionCount, o.Status.CollisionCount, field.NewPath("status", "collisionCount"))...)
}
