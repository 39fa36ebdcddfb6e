package namespace

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 namespaces resource. Namespaces have no
// deletecollection verb upstream.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "namespaces",
		Kind:          "Namespace",
		Singular:      "namespace",
		ShortNames:    []string{"ns"},
		Namespaced:    false,
		Verbs:         []string{"create", "delete", "get", "list", "patch", "update", "watch"},
		New:           func() runtime.Object { return &corev1.Namespace{} },
		NewList:       func() runtime.Object { return &corev1.NamespaceList{} },
		StoragePrefix: "/registry/namespaces",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
