package nodeipam

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// eventComponent is the source upstream's range allocator records its
// events under; eventCIDRNotAvailable the status it reports for a node it
// cannot serve.
const (
	eventComponent        = "cidrAllocator"
	eventCIDRNotAvailable = "CIDRNotAvailable"
)

// startRecorder returns a recorder sending events to the API server until
// ctx ends.
func startRecorder(ctx context.Context, client kubernetes.Interface) record.EventRecorder {
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	go func() {
		<-ctx.Done()
		b.Shutdown()
	}()
	return b.NewRecorder(scheme.Scheme, v1.EventSource{Component: eventComponent})
}

// nodeRef is how upstream names a node in its status-change events.
func nodeRef(name string) *v1.ObjectReference {
	return &v1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)}
}
