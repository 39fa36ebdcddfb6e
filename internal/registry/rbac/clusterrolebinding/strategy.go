package clusterrolebinding

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

// Strategy is the ClusterRoleBinding strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ClusterRoleBinding strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true}}
}

// Default fills the rbac API groups of the role reference and subjects.
func (Strategy) Default(obj runtime.Object) {
	b := obj.(*rbacv1.ClusterRoleBinding)
	rbacrules.DefaultBinding(&b.RoleRef, b.Subjects)
}

// Validate checks a new ClusterRoleBinding.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	b := obj.(*rbacv1.ClusterRoleBinding)
	return rbacrules.ValidateBinding(b, false, &b.RoleRef, []string{"ClusterRole"}, b.Subjects)
}

// ValidateUpdate: the role reference cannot change.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	allErrs = append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
	return append(allErrs, rbacrules.ValidateRoleRefUpdate(obj.(*rbacv1.ClusterRoleBinding).RoleRef, old.(*rbacv1.ClusterRoleBinding).RoleRef)...)
}

// TableColumns are kubectl's cluster role binding columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return rbacrules.BindingColumns("clusterRoleBinding")
}

// TableRow prints one cluster role binding.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	b, ok := obj.(*rbacv1.ClusterRoleBinding)
	if !ok {
		return nil, fmt.Errorf("expected *v1.ClusterRoleBinding, got %T", obj)
	}
	return rbacrules.BindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects), nil
}
