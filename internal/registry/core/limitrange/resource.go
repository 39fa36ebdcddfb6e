package limitrange

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 limitranges resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "limitranges",
		Kind:          "LimitRange",
		Singular:      "limitrange",
		ShortNames:    []string{"limits"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.LimitRange{} },
		NewList:       func() runtime.Object { return &corev1.LimitRangeList{} },
		StoragePrefix: "/registry/limitranges",
		Strategy:      Strategy{},
	}}
}
