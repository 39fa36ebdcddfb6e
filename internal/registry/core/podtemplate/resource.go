package podtemplate

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 podtemplates resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "podtemplates",
		Kind:          "PodTemplate",
		Singular:      "podtemplate",
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.PodTemplate{} },
		NewList:       func() runtime.Object { return &corev1.PodTemplateList{} },
		StoragePrefix: "/registry/podtemplates",
		Strategy:      NewStrategy(),
	}}
}
