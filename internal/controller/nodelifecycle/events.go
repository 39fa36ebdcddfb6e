package nodelifecycle

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// The sources upstream records these controllers' events under.
const (
	eventComponent              = "node-controller"
	taintEvictionEventComponent = "taint-eviction-controller"
)

// Event reasons users see in kubectl describe, as upstream.
const (
	eventTaintManagerEviction = "TaintManagerEviction"
	eventNodeNotReady         = "NodeNotReady"
)

// recorder records events through the API once started; until then (and
// after stop) events are dropped.
type recorder struct {
	broadcaster record.EventBroadcaster
	record.EventRecorder
}

func newRecorder(component string) *recorder {
	b := record.NewBroadcaster()
	return &recorder{broadcaster: b, EventRecorder: b.NewRecorder(scheme.Scheme, v1.EventSource{Component: component})}
}

// start sends events to the API server until ctx ends.
func (r *recorder) start(ctx context.Context, client kubernetes.Interface) {
	r.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	go func() {
		<-ctx.Done()
		r.broadcaster.Shutdown()
	}()
}

// nodeRef is how upstream names a node in its status-change events.
func nodeRef(name string) *v1.ObjectReference {
	return &v1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)}
}
