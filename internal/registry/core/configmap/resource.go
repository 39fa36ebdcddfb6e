package configmap

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 configmaps resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "configmaps",
		Kind:          "ConfigMap",
		Singular:      "configmap",
		ShortNames:    []string{"cm"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.ConfigMap{} },
		NewList:       func() runtime.Object { return &corev1.ConfigMapList{} },
		StoragePrefix: "/registry/configmaps",
		Strategy:      Strategy{},
	}}
}
