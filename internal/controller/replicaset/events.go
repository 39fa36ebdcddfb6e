package replicaset

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// Event reasons, as upstream spells them (kubectl describe shows them).
const (
	EventSuccessfulCreate = "SuccessfulCreate"
	EventFailedCreate     = "FailedCreate"
	EventSuccessfulDelete = "SuccessfulDelete"
	EventFailedDelete     = "FailedDelete"
)

// newRecorder returns an event recorder posting core/v1 Events as component,
// and a function starting the sink (to call from Run) that returns the stop.
func newRecorder(client kubernetes.Interface, component string) (record.EventRecorder, func() func()) {
	b := record.NewBroadcaster()
	rec := b.NewRecorder(scheme.Scheme, v1.EventSource{Component: component})
	start := func() func() {
		b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
		return b.Shutdown
	}
	return rec, start
}
