package daemonset

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Strategy is the DaemonSet strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the DaemonSet strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the apps/v1 defaults.
func (Strategy) Default(obj runtime.Object) {
	setDefaults(obj.(*appsv1.DaemonSet))
}

// PrepareForCreate resets status, starts generation and template
// generation at 1.
func (s Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s.BaseStrategy.PrepareForCreate(ctx, obj)
	setTemplateGeneration(obj.(*appsv1.DaemonSet), 1)
}

// PrepareForUpdate keeps status and the template generation, bumping both
// generations when the template changed.
func (s Strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	o := old.(*appsv1.DaemonSet)
	s.BaseStrategy.PrepareForUpdate(ctx, obj, old)
	gen := templateGeneration(o)
	if !apiequality.Semantic.DeepEqual(ds.Spec.Template, o.Spec.Template) {
		gen++
	}
	setTemplateGeneration(ds, gen)
}

// templateGeneration reads the deprecated annotation apps/v1 uses to carry
// the template generation; 0 when absent or unreadable.
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	v, err := strconv.ParseInt(ds.Annotations[appsv1.DeprecatedTemplateGeneration], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func setTemplateGeneration(ds *appsv1.DaemonSet, gen int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(gen, 10)
}

// Validate checks a new DaemonSet.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ds := obj.(*appsv1.DaemonSet)
	allErrs := registry.ValidateObjectMeta(ds, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&ds.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update; the selector is immutable.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ds := obj.(*appsv1.DaemonSet)
	o := old.(*appsv1.DaemonSet)
	allErrs := registry.ValidateObjectMetaUpdate(ds, o)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(ds.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
	return append(allErrs, validateSpec(&ds.Spec, field.NewPath("spec"))...)
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ds := obj.(*appsv1.DaemonSet)
	o := old.(*appsv1.DaemonSet)
	allErrs := registry.ValidateObjectMetaUpdate(ds, o)
	allErrs = append(allErrs, validateStatus(&ds.Status, field.NewPath("status"))...)
	return append(allErrs, workload.ValidateCollisionCount(ds.Status.CollisionCount, o.Status.CollisionCount, field.NewPath("status", "collisionCount"))...)
}
