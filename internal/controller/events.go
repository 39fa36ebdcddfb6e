package controller

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// NewEventRecorder returns a recorder posting core/v1 Events as component,
// and a function that starts sending them to the API server (call it from
// Run) and returns the function that stops it.
func NewEventRecorder(client kubernetes.Interface, component string) (record.EventRecorder, func() func()) {
	b := record.NewBroadcaster()
	rec := b.NewRecorder(scheme.Scheme, v1.EventSource{Component: component})
	start := func() func() {
		b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
		return b.Shutdown
	}
	return rec, start
}
