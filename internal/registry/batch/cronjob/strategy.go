package cronjob

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the CronJob strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the CronJob strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the batch/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*batchv1.CronJob))
}

// Validate checks a new CronJob.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	cj := obj.(*batchv1.CronJob)
	allErrs := registry.ValidateObjectMeta(cj, true, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateSpec(&cj.Spec, nil, field.NewPath("spec"))...)
	if len(cj.Name) > maxNameLength {
		allErrs = append(allErrs, field.Invalid(field.NewPath("metadata", "name"), cj.Name, "must be no more than 52 characters"))
	}
	return allErrs
}

// ValidateUpdate checks an update. The name length limit is not re-checked
// so that older, longer-named cronjobs stay updatable.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	cj := obj.(*batchv1.CronJob)
	o := old.(*batchv1.CronJob)
	allErrs := registry.ValidateObjectMetaUpdate(cj, o)
	return append(allErrs, validateSpec(&cj.Spec, &o.Spec, field.NewPath("spec"))...)
}
