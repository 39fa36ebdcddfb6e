package volumeattachment

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns storage.k8s.io/v1 volumeattachments.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  storagev1.SchemeGroupVersion,
		Resource:      "volumeattachments",
		Kind:          "VolumeAttachment",
		Singular:      "volumeattachment",
		New:           func() runtime.Object { return &storagev1.VolumeAttachment{} },
		NewList:       func() runtime.Object { return &storagev1.VolumeAttachmentList{} },
		StoragePrefix: "/registry/storage.k8s.io/volumeattachments",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
