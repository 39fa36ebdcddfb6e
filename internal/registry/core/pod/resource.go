package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 pods resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "pods",
		Kind:          "Pod",
		Singular:      "pod",
		ShortNames:    []string{"po"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.Pod{} },
		NewList:       func() runtime.Object { return &corev1.PodList{} },
		StoragePrefix: "/registry/pods",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
