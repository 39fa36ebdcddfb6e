package job

import (
	"context"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
)

// Strategy is the Job strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the Job strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the batch/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*batchv1.Job))
}

// PrepareForCreate resets status, sets generation 1 and generates the
// selector and pod labels. It needs metadata.name and metadata.uid set.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	prepareLabels(obj.(*batchv1.Job))
}

// Validate checks a new Job.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	j := obj.(*batchv1.Job)
	allErrs := registry.ValidateObjectMeta(j, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateJob(j, true)...)
}

// ValidateUpdate checks an update: the template, selector, completions and
// modes are fixed once the job exists.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	j := obj.(*batchv1.Job)
	o := old.(*batchv1.Job)
	// Jobs created before the prefixed labels existed keep validating.
	_, prefixed := o.Spec.Template.Labels[batchv1.ControllerUidLabel]
	allErrs := registry.ValidateObjectMetaUpdate(j, o)
	allErrs = append(allErrs, validateJob(j, prefixed)...)
	return append(allErrs, validateUpdate(j, o)...)
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	j := obj.(*batchv1.Job)
	allErrs := registry.ValidateObjectMetaUpdate(j, old)
	return append(allErrs, validateStatus(&j.Status, field.NewPath("status"))...)
}

// Attrs adds status.successful to the metadata fields.
func (Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	j := obj.(*batchv1.Job)
	set := registry.ObjectMetaFields(j, true)
	set["status.successful"] = strconv.Itoa(int(j.Status.Succeeded))
	return labels.Set(j.Labels), set, nil
}
