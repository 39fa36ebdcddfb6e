package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// DefaultBinderName is the plugin's name.
const DefaultBinderName = "DefaultBinder"

// DefaultBinder binds through the pods/binding subresource.
type DefaultBinder struct {
	h framework.Handle
}

var _ framework.BindPlugin = (*DefaultBinder)(nil)

// NewDefaultBinder builds the plugin.
func NewDefaultBinder(h framework.Handle) (framework.Plugin, error) { return &DefaultBinder{h: h}, nil }

// Name returns the plugin name.
func (*DefaultBinder) Name() string { return DefaultBinderName }

// Bind posts a Binding for the pod.
func (b *DefaultBinder) Bind(ctx context.Context, _ *framework.CycleState, pod *v1.Pod, nodeName string) *framework.Status {
	client := b.h.ClientSet()
	if client == nil {
		return framework.NewStatus(framework.Error, "no API client to bind with")
	}
	binding := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: nodeName},
	}
	if err := client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		return framework.AsStatus(fmt.Errorf("binding pod %s/%s to %s: %w", pod.Namespace, pod.Name, nodeName, err))
	}
	return nil
}
