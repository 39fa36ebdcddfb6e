package role

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns rbac.authorization.k8s.io/v1 roles.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  rbacv1.SchemeGroupVersion,
		Resource:      "roles",
		Kind:          "Role",
		Singular:      "role",
		Namespaced:    true,
		New:           func() runtime.Object { return &rbacv1.Role{} },
		NewList:       func() runtime.Object { return &rbacv1.RoleList{} },
		StoragePrefix: "/registry/rbac.authorization.k8s.io/roles",
		Strategy:      NewStrategy(),
	}}
}
