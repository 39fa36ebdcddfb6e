package kubelet

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// Event reasons, as upstream's kubelet spells them.
const (
	eventPulling           = "Pulling"
	eventPulled            = "Pulled"
	eventFailed            = "Failed"
	eventBackOff           = "BackOff"
	eventCreated           = "Created"
	eventStarted           = "Started"
	eventKilling           = "Killing"
	eventUnhealthy         = "Unhealthy"
	eventFailedSandbox     = "FailedCreatePodSandBox"
	eventFailedMount       = "FailedMount"
	eventErrImageNeverPull = "ErrImageNeverPull"
)

// startEvents sends the kubelet's events to the API until ctx ends.
func (k *Kubelet) startEvents(ctx context.Context) {
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: k.client.CoreV1().Events("")})
	k.recorder = b.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet", Host: k.cfg.NodeName})
	go func() {
		<-ctx.Done()
		b.Shutdown()
	}()
}

func (k *Kubelet) event(pod *v1.Pod, eventType, reason, format string, args ...any) {
	if k.recorder != nil && pod != nil {
		k.recorder.Eventf(pod, eventType, reason, format, args...)
	}
}
