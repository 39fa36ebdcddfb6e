package csidriver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns storage.k8s.io/v1 csidrivers.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  storagev1.SchemeGroupVersion,
		Resource:      "csidrivers",
		Kind:          "CSIDriver",
		Singular:      "csidriver",
		New:           func() runtime.Object { return &storagev1.CSIDriver{} },
		NewList:       func() runtime.Object { return &storagev1.CSIDriverList{} },
		StoragePrefix: "/registry/storage.k8s.io/csidrivers",
		Strategy:      NewStrategy(),
	}}
}
