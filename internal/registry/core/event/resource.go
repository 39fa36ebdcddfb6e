package event

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// StoragePrefix is where events of both APIs are stored.
const StoragePrefix = "/registry/events"

// Resources returns the core/v1 events resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "events",
		Kind:          "Event",
		Singular:      "event",
		ShortNames:    []string{"ev"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.Event{} },
		NewList:       func() runtime.Object { return &corev1.EventList{} },
		StoragePrefix: StoragePrefix,
		Expiring:      true,
		Strategy:      NewStrategy(),
	}}
}
