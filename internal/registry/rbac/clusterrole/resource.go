package clusterrole

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns rbac.authorization.k8s.io/v1 clusterroles.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  rbacv1.SchemeGroupVersion,
		Resource:      "clusterroles",
		Kind:          "ClusterRole",
		Singular:      "clusterrole",
		New:           func() runtime.Object { return &rbacv1.ClusterRole{} },
		NewList:       func() runtime.Object { return &rbacv1.ClusterRoleList{} },
		StoragePrefix: "/registry/rbac.authorization.k8s.io/clusterroles",
		Strategy:      NewStrategy(),
	}}
}
