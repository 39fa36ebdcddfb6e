package csinode

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns storage.k8s.io/v1 csinodes.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  storagev1.SchemeGroupVersion,
		Resource:      "csinodes",
		Kind:          "CSINode",
		Singular:      "csinode",
		New:           func() runtime.Object { return &storagev1.CSINode{} },
		NewList:       func() runtime.Object { return &storagev1.CSINodeList{} },
		StoragePrefix: "/registry/storage.k8s.io/csinodes",
		Strategy:      NewStrategy(),
	}}
}
