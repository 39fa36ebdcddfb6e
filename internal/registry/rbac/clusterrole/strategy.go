package clusterrole

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/rbac/rbacrules"
)

// Strategy is the ClusterRole strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ClusterRole strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true}}
}

// Validate checks a new ClusterRole.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*rbacv1.ClusterRole)
	allErrs := registry.ValidateObjectMeta(r, false, rbacrules.NameIsValid)
	allErrs = append(allErrs, rbacrules.ValidatePolicyRules(r.Rules, false, field.NewPath("rules"))...)
	if r.AggregationRule != nil {
		p := field.NewPath("aggregationRule", "clusterRoleSelectors")
		if len(r.AggregationRule.ClusterRoleSelectors) == 0 {
			allErrs = append(allErrs, field.Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
		}
		for i := range r.AggregationRule.ClusterRoleSelectors {
			sel := &r.AggregationRule.ClusterRoleSelectors[i]
			allErrs = append(allErrs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p.Index(i))...)
			if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
				allErrs = append(allErrs, field.Invalid(p.Index(i), sel, "invalid label selector."))
			}
		}
	}
	return allErrs
}

// ValidateUpdate checks an update.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	return append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
}
