package persistentvolume

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 persistentvolumes resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "persistentvolumes",
		Kind:          "PersistentVolume",
		Singular:      "persistentvolume",
		ShortNames:    []string{"pv"},
		Namespaced:    false,
		New:           func() runtime.Object { return &corev1.PersistentVolume{} },
		NewList:       func() runtime.Object { return &corev1.PersistentVolumeList{} },
		StoragePrefix: "/registry/persistentvolumes",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
