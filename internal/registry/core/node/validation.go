package node

import (
	"context"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// Validate checks the name, taints, pod CIDRs and resource quantities.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	n := obj.(*corev1.Node)
	allErrs := registry.ValidateObjectMeta(n, false, registry.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateTaints(n.Spec.Taints, field.NewPath("metadata", "taints"))...)
	allErrs = append(allErrs, validateResources(n)...)
	allErrs = append(allErrs, validatePodCIDRs(n.Spec.PodCIDRs)...)
	return allErrs
}

// ValidateUpdate allows podCIDRs and providerID to be set once, and checks
// taints, resources and addresses.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n, oldN := obj.(*corev1.Node), old.(*corev1.Node)
	allErrs := registry.ValidateObjectMetaUpdate(n, oldN)
	allErrs = append(allErrs, validateCommonUpdate(n, oldN)...)
	allErrs = append(allErrs, validateTaints(n.Spec.Taints, field.NewPath("metadata", "taints"))...)
	allErrs = append(allErrs, validatePodCIDRs(n.Spec.PodCIDRs)...)
	return allErrs
}

// ValidateStatusUpdate checks what the kubelet reports.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	n, oldN := obj.(*corev1.Node), old.(*corev1.Node)
	allErrs := registry.ValidateObjectMetaUpdate(n, oldN)
	return append(allErrs, validateCommonUpdate(n, oldN)...)
}

func validateCommonUpdate(n, old *corev1.Node) field.ErrorList {
	allErrs := validateResources(n)
	seen := map[corev1.NodeAddress]bool{}
	for i, a := range n.Status.Addresses {
		if seen[a] {
			allErrs = append(allErrs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		seen[a] = true
	}
	if len(old.Spec.PodCIDRs) > 0 {
		changed := len(old.Spec.PodCIDRs) != len(n.Spec.PodCIDRs)
		for i := 0; !changed && i < len(old.Spec.PodCIDRs); i++ {
			changed = old.Spec.PodCIDRs[i] != n.Spec.PodCIDRs[i]
		}
		if changed {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "podCIDRs"), "node updates may not change podCIDR except from \"\" to valid"))
		}
	}
	if old.Spec.ProviderID != "" && old.Spec.ProviderID != n.Spec.ProviderID {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	if n.Spec.DoNotUseExternalID != old.Spec.DoNotUseExternalID {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "externalID"), "may not be updated"))
	}
	return allErrs
}

// validateTaints checks key, value, effect and that each key/effect pair
// is unique. Upstream reports taint errors under metadata.taints.
func validateTaints(taints []corev1.Taint, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	seen := map[corev1.TaintEffect]map[string]bool{}
	for i, t := range taints {
		p := fldPath.Index(i)
		allErrs = append(allErrs, metav1validation.ValidateLabelName(t.Key, p.Child("key"))...)
		if errs := validation.IsValidLabelValue(t.Value); len(errs) != 0 {
			allErrs = append(allErrs, field.Invalid(p.Child("value"), t.Value, strings.Join(errs, ";")))
		}
		allErrs = append(allErrs, podspec.ValidateTaintEffect(t.Effect, false, p.Child("effect"))...)
		if seen[t.Effect][t.Key] {
			dup := field.Duplicate(p, t)
			dup.Detail = "taints must be unique by key and effect pair"
			allErrs = append(allErrs, dup)
			continue
		}
		if seen[t.Effect] == nil {
			seen[t.Effect] = map[string]bool{}
		}
		seen[t.Effect][t.Key] = true
	}
	return allErrs
}

func validateResources(n *corev1.Node) field.ErrorList {
	allErrs := field.ErrorList{}
	for k, v := range n.Status.Capacity {
		allErrs = append(allErrs, podspec.ValidateResourceQuantityValue(k, v, field.NewPath("status", "capacity", string(k)))...)
	}
	for k, v := range n.Status.Allocatable {
		allErrs = append(allErrs, podspec.ValidateResourceQuantityValue(k, v, field.NewPath("status", "allocatable", string(k)))...)
	}
	return allErrs
}

func validatePodCIDRs(cidrs []string) field.ErrorList {
	if len(cidrs) == 0 {
		return nil
	}
	allErrs := field.ErrorList{}
	p := field.NewPath("spec", "podCIDRs")
	families := map[bool]int{}
	seen := map[string]bool{}
	for i, c := range cidrs {
		errs := validation.IsValidCIDR(p.Index(i), c)
		allErrs = append(allErrs, errs...)
		if len(errs) == 0 {
			if prefix, err := netip.ParsePrefix(c); err == nil {
				families[prefix.Addr().Is6()]++
			}
		}
		if seen[c] {
			allErrs = append(allErrs, field.Duplicate(p.Index(i), c))
		}
		seen[c] = true
	}
	if len(cidrs) > 1 && (len(cidrs) > 2 || families[true] != 1 || families[false] != 1) {
		allErrs = append(allErrs, field.Invalid(p, cidrs, "may specify no more than one CIDR for each IP family"))
	}
	return allErrs
}
