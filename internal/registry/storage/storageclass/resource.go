package storageclass

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns storage.k8s.io/v1 storageclasses.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  storagev1.SchemeGroupVersion,
		Resource:      "storageclasses",
		Kind:          "StorageClass",
		Singular:      "storageclass",
		ShortNames:    []string{"sc"},
		New:           func() runtime.Object { return &storagev1.StorageClass{} },
		NewList:       func() runtime.Object { return &storagev1.StorageClassList{} },
		StoragePrefix: "/registry/storage.k8s.io/storageclasses",
		Strategy:      NewStrategy(),
	}}
}
