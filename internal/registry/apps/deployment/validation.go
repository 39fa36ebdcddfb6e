package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/apps/workload"
)

func validateSpec(spec *appsv1.DeploymentSpec, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateNonnegativeField(int64(ptr.Deref(spec.Replicas, 0)), fldPath.Child("replicas"))
	allErrs = append(allErrs, workload.ValidateSelector(spec.Selector, "deployment", fldPath.Child("selector"))...)
	allErrs = append(allErrs, workload.ValidateReplicatedTemplate(&spec.Template, spec.Selector, "ReplicaSet", fldPath.Child("selector"), fldPath.Child("template"))...)
	allErrs = append(allErrs, validateStrategy(&spec.Strategy, fldPath.Child("strategy"))...)
	allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*spec.RevisionHistoryLimit), fldPath.Child("revisionHistoryLimit"))...)
	}
	if spec.ProgressDeadlineSeconds != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*spec.ProgressDeadlineSeconds), fldPath.Child("progressDeadlineSeconds"))...)
		if *spec.ProgressDeadlineSeconds <= spec.MinReadySeconds {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("progressDeadlineSeconds"), spec.ProgressDeadlineSeconds, "must be greater than minReadySeconds"))
		}
	}
	return allErrs
}

func validateStrategy(s *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("rollingUpdate"), "this should be defaulted and never be nil"))
		} else {
			allErrs = append(allErrs, validateRollingUpdate(s.RollingUpdate, fldPath.Child("rollingUpdate"))...)
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath, s, []string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)}))
	}
	return allErrs
}

func validateRollingUpdate(ru *appsv1.RollingUpdateDeployment, fldPath *field.Path) field.ErrorList {
	maxUnavailable := ptr.Deref(ru.MaxUnavailable, intstr.FromInt32(0))
	maxSurge := ptr.Deref(ru.MaxSurge, intstr.FromInt32(0))
	allErrs := workload.ValidatePositiveIntOrPercent(maxUnavailable, fldPath.Child("maxUnavailable"))
	allErrs = append(allErrs, workload.ValidatePositiveIntOrPercent(maxSurge, fldPath.Child("maxSurge"))...)
	if workload.IntOrPercentValue(maxUnavailable) == 0 && workload.IntOrPercentValue(maxSurge) == 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	allErrs = append(allErrs, workload.IsNotMoreThan100Percent(maxUnavailable, fldPath.Child("maxUnavailable"))...)
	return allErrs
}

func validateStatus(st *appsv1.DeploymentStatus, fldPath *field.Path) field.ErrorList {
	allErrs := workload.ValidateNonnegative(fldPath,
		workload.Counter{Name: "observedGeneration", Value: st.ObservedGeneration},
		workload.Counter{Name: "replicas", Value: int64(st.Replicas)},
		workload.Counter{Name: "updatedReplicas", Value: int64(st.UpdatedReplicas)},
		workload.Counter{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Counter{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Counter{Name: "unavailableReplicas", Value: int64(st.UnavailableReplicas)},
	)
	if st.TerminatingReplicas != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*st.TerminatingReplicas), fldPath.Child("terminatingReplicas"))...)
	}
	if st.CollisionCount != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*st.CollisionCount), fldPath.Child("collisionCount"))...)
	}
	allErrs = append(allErrs, workload.ValidateAtMostReplicas(fldPath, st.Replicas,
		workload.ReplicaCount{Name: "updatedReplicas", Value: st.UpdatedReplicas},
		workload.ReplicaCount{Name: "readyReplicas", Value: st.ReadyReplicas},
		workload.ReplicaCount{Name: "availableReplicas", Value: st.AvailableReplicas},
	)...)
	if st.AvailableReplicas > st.ReadyReplicas {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return allErrs
}
