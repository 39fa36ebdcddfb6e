package clusterrolebinding

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns rbac.authorization.k8s.io/v1 clusterrolebindings.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  rbacv1.SchemeGroupVersion,
		Resource:      "clusterrolebindings",
		Kind:          "ClusterRoleBinding",
		Singular:      "clusterrolebinding",
		New:           func() runtime.Object { return &rbacv1.ClusterRoleBinding{} },
		NewList:       func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} },
		StoragePrefix: "/registry/rbac.authorization.k8s.io/clusterrolebindings",
		Strategy:      NewStrategy(),
	}}
}
