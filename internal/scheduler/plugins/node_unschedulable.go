package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// NodeUnschedulableName is the plugin's name.
const NodeUnschedulableName = "NodeUnschedulable"

// ErrReasonUnschedulable is upstream's reason for cordoned nodes.
const ErrReasonUnschedulable = "node(s) were unschedulable"

// NodeUnschedulable rejects cordoned nodes unless the pod tolerates the
// node.kubernetes.io/unschedulable:NoSchedule taint.
type NodeUnschedulable struct{}

var _ framework.FilterPlugin = (*NodeUnschedulable)(nil)

// NewNodeUnschedulable builds the plugin.
func NewNodeUnschedulable(framework.Handle) (framework.Plugin, error) {
	return &NodeUnschedulable{}, nil
}

// Name returns the plugin name.
func (*NodeUnschedulable) Name() string { return NodeUnschedulableName }

// Filter checks spec.unschedulable.
func (*NodeUnschedulable) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	if !ni.Node().Spec.Unschedulable {
		return nil
	}
	taint := &v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule}
	if v1helper.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, taint, false) {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}
