package role

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/rbac/rbacrules"
)

// Strategy is the Role strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the Role strategy.
func NewStrategy() Strategy { return Strategy{} }

// Validate checks a new Role.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*rbacv1.Role)
	allErrs := registry.ValidateObjectMeta(r, true, rbacrules.NameIsValid)
	return append(allErrs, rbacrules.ValidatePolicyRules(r.Rules, true, field.NewPath("rules"))...)
}

// ValidateUpdate checks an update.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	return append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
}
