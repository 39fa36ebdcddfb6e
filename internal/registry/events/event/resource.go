package event

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns events.k8s.io/v1 events, stored as core/v1 Events under
// the core resource's prefix.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:   eventsv1.SchemeGroupVersion,
		Resource:       "events",
		Kind:           "Event",
		Singular:       "event",
		ShortNames:     []string{"ev"},
		Namespaced:     true,
		New:            func() runtime.Object { return &corev1.Event{} },
		NewList:        func() runtime.Object { return &corev1.EventList{} },
		StoragePrefix:  "/registry/events",
		Expiring:       true,
		StorageVersion: corev1.SchemeGroupVersion,
		ToStorage:      ToStorage,
		FromStorage:    FromStorage,
		Strategy:       NewStrategy(),
	}}
}
