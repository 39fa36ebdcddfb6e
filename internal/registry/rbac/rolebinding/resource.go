package rolebinding

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns rbac.authorization.k8s.io/v1 rolebindings.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  rbacv1.SchemeGroupVersion,
		Resource:      "rolebindings",
		Kind:          "RoleBinding",
		Singular:      "rolebinding",
		Namespaced:    true,
		New:           func() runtime.Object { return &rbacv1.RoleBinding{} },
		NewList:       func() runtime.Object { return &rbacv1.RoleBindingList{} },
		StoragePrefix: "/registry/rbac.authorization.k8s.io/rolebindings",
		Strategy:      NewStrategy(),
	}}
}
