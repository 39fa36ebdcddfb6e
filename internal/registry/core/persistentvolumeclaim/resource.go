package persistentvolumeclaim

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 persistentvolumeclaims resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "persistentvolumeclaims",
		Kind:          "PersistentVolumeClaim",
		Singular:      "persistentvolumeclaim",
		ShortNames:    []string{"pvc"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.PersistentVolumeClaim{} },
		NewList:       func() runtime.Object { return &corev1.PersistentVolumeClaimList{} },
		StoragePrefix: "/registry/persistentvolumeclaims",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
