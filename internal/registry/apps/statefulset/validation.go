package statefulset

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// specOptions relax checks for values that may already be stored.
type specOptions struct {
	allowInvalidServiceName bool
	skipTemplateValidation  bool
	skipClaimTemplates      bool
}

func validateSpec(spec *appsv1.StatefulSetSpec, fldPath *field.Path, opts specOptions) field.ErrorList {
	var allErrs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		allErrs = append(allErrs, field.Required(fldPath.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		allErrs = append(allErrs, field.Invalid(fldPath.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}

	us := spec.UpdateStrategy
	switch us.Type {
	case "":
		allErrs = append(allErrs, field.Required(fldPath.Child("updateStrategy"), ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("updateStrategy", "rollingUpdate"), us.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			allErrs = append(allErrs, validateRollingUpdate(us.RollingUpdate, fldPath.Child("updateStrategy", "rollingUpdate"))...)
		}
	default:
		allErrs = append(allErrs, field.Invalid(fldPath.Child("updateStrategy"), us,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}

	if p := spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		pPath := fldPath.Child("persistentVolumeClaimRetentionPolicy")
		allErrs = append(allErrs, validateRetentionType(p.WhenDeleted, pPath.Child("whenDeleted"))...)
		allErrs = append(allErrs, validateRetentionType(p.WhenScaled, pPath.Child("whenScaled"))...)
	}
	if !opts.skipClaimTemplates {
		allErrs = append(allErrs, validateClaimTemplates(spec.VolumeClaimTemplates, fldPath.Child("volumeClaimTemplates"))...)
	}

	allErrs = append(allErrs, workload.ValidateNonnegative(fldPath,
		workload.Counter{Name: "replicas", Value: int64(ptr.Deref(spec.Replicas, 0))},
		workload.Counter{Name: "minReadySeconds", Value: int64(spec.MinReadySeconds)},
	)...)
	if spec.Ordinals != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(spec.Ordinals.Start), fldPath.Child("ordinals.start"))...)
	}
	if !opts.allowInvalidServiceName && spec.ServiceName != "" {
		for _, msg := range validation.IsDNS1123Label(spec.ServiceName) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("serviceName"), spec.ServiceName, msg))
		}
	}

	allErrs = append(allErrs, workload.ValidateSelector(spec.Selector, "statefulset", fldPath.Child("selector"))...)
	allErrs = append(allErrs, workload.ValidateSelectorMatchesTemplate(spec.Selector, spec.Template.Labels, fldPath.Child("selector"), fldPath.Child("template"))...)
	if !opts.skipTemplateValidation {
		allErrs = append(allErrs, podspec.ValidatePodTemplateSpec(templateToValidate(spec), fldPath.Child("template"))...)
	}
	allErrs = append(allErrs, workload.ValidateAlwaysRestart(&spec.Template, "StatefulSet", fldPath.Child("template"))...)
	return allErrs
}

// templateToValidate returns the template as the controller will complete
// it: hostname and subdomain are overwritten per pod, and every claim
// template becomes a volume of the same name.
func templateToValidate(spec *appsv1.StatefulSetSpec) *corev1.PodTemplateSpec {
	if spec.Template.Spec.Hostname == "" && spec.Template.Spec.Subdomain == "" && len(spec.VolumeClaimTemplates) == 0 {
		return &spec.Template
	}
	t := spec.Template.DeepCopy()
	t.Spec.Hostname = ""
	t.Spec.Subdomain = ""
	if len(spec.VolumeClaimTemplates) == 0 {
		return t
	}
	fromClaims := make(map[string]bool, len(spec.VolumeClaimTemplates))
	volumes := make([]corev1.Volume, 0, len(spec.VolumeClaimTemplates)+len(t.Spec.Volumes))
	for _, c := range spec.VolumeClaimTemplates {
		if fromClaims[c.Name] {
			continue
		}
		fromClaims[c.Name] = true
		volumes = append(volumes, corev1.Volume{
			Name: c.Name,
			VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name},
			},
		})
	}
	for _, v := range t.Spec.Volumes {
		if !fromClaims[v.Name] {
			volumes = append(volumes, v)
		}
	}
	t.Spec.Volumes = volumes
	return t
}

func validateRollingUpdate(ru *appsv1.RollingUpdateStatefulSetStrategy, fldPath *field.Path) field.ErrorList {
	allErrs := apivalidation.ValidateNonnegativeField(int64(ptr.Deref(ru.Partition, 0)), fldPath.Child("partition"))
	if ru.MaxUnavailable != nil {
		p := fldPath.Child("maxUnavailable")
		allErrs = append(allErrs, workload.ValidatePositiveIntOrPercent(*ru.MaxUnavailable, p)...)
		if workload.IntOrPercentValue(*ru.MaxUnavailable) == 0 {
			allErrs = append(allErrs, field.Invalid(p, *ru.MaxUnavailable, "cannot be 0"))
		}
		allErrs = append(allErrs, workload.IsNotMoreThan100Percent(*ru.MaxUnavailable, p)...)
	}
	return allErrs
}

func validateRetentionType(t appsv1.PersistentVolumeClaimRetentionPolicyType, fldPath *field.Path) field.ErrorList {
	switch t {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, t, []string{
		string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType),
		string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType),
	})}
}

// validateClaimTemplates checks what a claim template needs to become a
// claim: a valid name, access modes and a storage request.
func validateClaimTemplates(claims []corev1.PersistentVolumeClaim, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, c := range claims {
		p := fldPath.Index(i)
		for _, msg := range validation.IsDNS1123Subdomain(c.Name) {
			allErrs = append(allErrs, field.Invalid(p.Child("metadata", "name"), c.Name, msg))
		}
		sp := p.Child("spec")
		if len(c.Spec.AccessModes) == 0 {
			allErrs = append(allErrs, field.Required(sp.Child("accessModes"), "at least 1 access mode is required"))
		}
		for j, m := range c.Spec.AccessModes {
			switch m {
			case corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod:
			default:
				allErrs = append(allErrs, field.NotSupported(sp.Child("accessModes").Index(j), m, []string{
					string(corev1.ReadWriteOnce), string(corev1.ReadOnlyMany), string(corev1.ReadWriteMany), string(corev1.ReadWriteOncePod),
				}))
			}
		}
		storage, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]
		if !ok {
			allErrs = append(allErrs, field.Required(sp.Child("resources").Key(string(corev1.ResourceStorage)), ""))
		} else if storage.Sign() <= 0 {
			allErrs = append(allErrs, field.Invalid(sp.Child("resources").Key(string(corev1.ResourceStorage)), storage.String(), "must be greater than zero"))
		}
	}
	return allErrs
}

// validateUpdate rejects changes to spec fields other than the mutable ones.
func validateUpdate(s, old *appsv1.StatefulSet) field.ErrorList {
	clone := s.Spec.DeepCopy()
	clone.Replicas = old.Spec.Replicas
	clone.Template = old.Spec.Template
	clone.UpdateStrategy = old.Spec.UpdateStrategy
	clone.MinReadySeconds = old.Spec.MinReadySeconds
	clone.Ordinals = old.Spec.Ordinals
	clone.RevisionHistoryLimit = old.Spec.RevisionHistoryLimit
	clone.PersistentVolumeClaimRetentionPolicy = old.Spec.PersistentVolumeClaimRetentionPolicy
	if apiequality.Semantic.DeepEqual(*clone, old.Spec) {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")}
}

func validateStatus(st *appsv1.StatefulSetStatus, fldPath *field.Path) field.ErrorList {
	allErrs := workload.ValidateNonnegative(fldPath,
		workload.Counter{Name: "replicas", Value: int64(st.Replicas)},
		workload.Counter{Name: "readyReplicas", Value: int64(st.ReadyReplicas)},
		workload.Counter{Name: "currentReplicas", Value: int64(st.CurrentReplicas)},
		workload.Counter{Name: "updatedReplicas", Value: int64(st.UpdatedReplicas)},
		workload.Counter{Name: "availableReplicas", Value: int64(st.AvailableReplicas)},
		workload.Counter{Name: "observedGeneration", Value: st.ObservedGeneration},
	)
	if st.CollisionCount != nil {
		allErrs = append(allErrs, apivalidation.ValidateNonnegativeField(int64(*st.CollisionCount), fldPath.Child("collisionCount"))...)
	}
	allErrs = append(allErrs, workload.ValidateAtMostReplicas(fldPath, st.Replicas,
		workload.ReplicaCount{Name: "readyReplicas", Value: st.ReadyReplicas},
		workload.ReplicaCount{Name: "currentReplicas", Value: st.CurrentReplicas},
		workload.ReplicaCount{Name: "updatedReplicas", Value: st.UpdatedReplicas},
		workload.ReplicaCount{Name: "availableReplicas", Value: st.AvailableReplicas},
	)...)
	if st.AvailableReplicas > st.ReadyReplicas {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("availableReplicas"), st.AvailableReplicas, "cannot be greater than status.readyReplicas"))
	}
	return allErrs
}
