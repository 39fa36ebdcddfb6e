package service

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 services resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "services",
		Kind:          "Service",
		Singular:      "service",
		ShortNames:    []string{"svc"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.Service{} },
		NewList:       func() runtime.Object { return &corev1.ServiceList{} },
		StoragePrefix: "/registry/services",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
