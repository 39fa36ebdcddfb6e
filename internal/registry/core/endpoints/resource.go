package endpoints

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 endpoints resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "endpoints",
		Kind:          "Endpoints",
		Singular:      "endpoints",
		ShortNames:    []string{"ep"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.Endpoints{} },
		NewList:       func() runtime.Object { return &corev1.EndpointsList{} },
		StoragePrefix: "/registry/endpoints",
		Strategy:      Strategy{},
	}}
}
