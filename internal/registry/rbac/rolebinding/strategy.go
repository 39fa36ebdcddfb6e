package rolebinding

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/rbac/rbacrules"
)

// Strategy is the RoleBinding strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the RoleBinding strategy.
func NewStrategy() Strategy { return Strategy{} }

// Default fills the rbac API groups of the role reference and subjects.
func (Strategy) Default(obj runtime.Object) {
	b := obj.(*rbacv1.RoleBinding)
	rbacrules.DefaultBinding(&b.RoleRef, b.Subjects)
}

// Validate checks a new RoleBinding; it may reference a Role or a
// ClusterRole.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	b := obj.(*rbacv1.RoleBinding)
	return rbacrules.ValidateBinding(b, true, &b.RoleRef, []string{"Role", "ClusterRole"}, b.Subjects)
}

// ValidateUpdate: the role reference cannot change.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	allErrs = append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
	return append(allErrs, rbacrules.ValidateRoleRefUpdate(obj.(*rbacv1.RoleBinding).RoleRef, old.(*rbacv1.RoleBinding).RoleRef)...)
}

// TableColumns are kubectl's role binding columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return rbacrules.BindingColumns("roleBinding")
}

// TableRow prints one role binding.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	b, ok := obj.(*rbacv1.RoleBinding)
	if !ok {
		return nil, fmt.Errorf("expected *v1.RoleBinding, got %T", obj)
	}
	return rbacrules.BindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects), nil
}
