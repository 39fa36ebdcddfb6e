package replicaset

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Strategy is the ReplicaSet strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ReplicaSet strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true}}
}

// Default applies the apps/v1 defaults: one replica and the pod defaults.
func (Strategy) Default(obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	podspec.DefaultPodTemplateSpec(&rs.Spec.Template)
}

// Validate checks a new ReplicaSet.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	rs := obj.(*appsv1.ReplicaSet)
	allErrs := registry.ValidateObjectMeta(rs, true, registry.NameIsDNSSubdomain)
	return append(allErrs, validateSpec(&rs.Spec, field.NewPath("spec"))...)
}

// ValidateUpdate checks an update; the selector is immutable in apps/v1.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rs := obj.(*appsv1.ReplicaSet)
	o := old.(*appsv1.ReplicaSet)
	allErrs := registry.ValidateObjectMetaUpdate(rs, o)
	allErrs = append(allErrs, validateSpec(&rs.Spec, field.NewPath("spec"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(rs.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
	return allErrs
}

// ValidateStatusUpdate checks the status counters.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rs := obj.(*appsv1.ReplicaSet)
	allErrs := registry.ValidateObjectMetaUpdate(rs, old)
	return append(allErrs, validateStatus(&rs.Status, field.NewPath("status"))...)
}

// Attrs adds status.replicas to the metadata fields.
func (s Strategy) Attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	rs := obj.(*appsv1.ReplicaSet)
	set := registry.ObjectMetaFields(rs, true)
	set["status.replicas"] = strconv.Itoa(int(rs.Status.Replicas))
	return labels.Set(rs.Labels), set, nil
}

func validateSpec(spec *appsv1.ReplicaSetSpec, fldPath *field.Path) field.ErrorList {
	allErrs := workload.ValidateNonnegative(fldPath,
		workload.Counter{Name: "replicas", Value: int64(ptr.Deref(spec.Replicas, 0))},
		workload.Counter{Name: "minReadySeconds", Value: int64(spec.MinReadySeconds)},
	)
	// Upstream shares the deployment wording here.
	allErrs = append(allErrs, workload.ValidateSelector(spec.Selector, "deployment", fldPath.Child("selector"))...)
	allErrs = append(allErrs, workload.ValidateReplicatedTemplate(&spec.Template, spec.Selector, "ReplicaSet", fldPath.Child("selector"), fldPath.Child("template"))...)
	return allErrs
}

func validateStatus(st *appsv1.ReplicaSetStatus, fldPath *field.Path) field.ErrorList {
	allErrs := workload.ValidateNonnegative(fldPath,
		workload.Counter{Name: "replicas", Value: int64(st.Replicas)},
		workload.Counter{Name: "fullyLabeledReplicas", Value: int64(st.FullyLabeledReplicas)},
		workload.Counter{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Counter{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Counter{Name: "observedGeneration", Value: st.ObservedGeneration},
	)
	if st.TerminatingReplicas != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*st.TerminatingReplicas), fldPath.Child("terminatingReplicas"))...)
	}
	allErrs = append(allErrs, workload.ValidateAtMostReplicas(fldPath, st.Replicas,
		workload.ReplicaCount{Name: "fullyLabeledReplicas", Value: st.FullyLabeledReplicas},
		workload.ReplicaCount{Name: "readyReplicas", Value: st.ReadyReplicas},
		workload.ReplicaCount{Name: "availableReplicas", Value: st.AvailableReplicas},
	)...)
	if st.AvailableReplicas > st.ReadyReplicas {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return allErrs
}
