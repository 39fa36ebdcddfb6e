package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// NodeNameName is the plugin's name.
const NodeNameName = "NodeName"

// ErrReasonNodeName is upstream's reason.
const ErrReasonNodeName = "node(s) didn't match the requested node name"

// NodeName rejects nodes other than spec.nodeName when it is set.
type NodeName struct{}

var _ framework.FilterPlugin = (*NodeName)(nil)

// NewNodeName builds the plugin.
func NewNodeName(framework.Handle) (framework.Plugin, error) { return &NodeName{}, nil }

// Name returns the plugin name.
func (*NodeName) Name() string { return NodeNameName }

// Filter checks the node name.
func (*NodeName) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != ni.Node().Name {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeName)
	}
	return nil
}
