package resourcequota

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 resourcequotas resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "resourcequotas",
		Kind:          "ResourceQuota",
		Singular:      "resourcequota",
		ShortNames:    []string{"quota"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.ResourceQuota{} },
		NewList:       func() runtime.Object { return &corev1.ResourceQuotaList{} },
		StoragePrefix: "/registry/resourcequotas",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
