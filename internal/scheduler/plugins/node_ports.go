package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// NodePortsName is the plugin's name.
const NodePortsName = "NodePorts"

// ErrReasonNodePorts is upstream's reason.
const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports"

const nodePortsStateKey = "PreFilter" + NodePortsName

// NodePorts rejects nodes where a requested host port is taken.
type NodePorts struct{}

var (
	_ framework.PreFilterPlugin = (*NodePorts)(nil)
	_ framework.FilterPlugin    = (*NodePorts)(nil)
)

// NewNodePorts builds the plugin.
func NewNodePorts(framework.Handle) (framework.Plugin, error) { return &NodePorts{}, nil }

// Name returns the plugin name.
func (*NodePorts) Name() string { return NodePortsName }

type portsState []framework.HostPort

func (s portsState) Clone() framework.StateData { return s }

// PreFilter collects the pod's host ports; Skip when there are none.
func (*NodePorts) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	ports := framework.PodHostPorts(pod)
	if len(ports) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(nodePortsStateKey, portsState(ports))
	return nil
}

// Filter checks for conflicts with the node's used ports.
func (*NodePorts) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	var ports []framework.HostPort
	if d, err := state.Read(nodePortsStateKey); err == nil {
		ports = d.(portsState)
	} else {
		ports = framework.PodHostPorts(pod)
	}
	for _, want := range ports {
		for _, used := range ni.UsedPorts {
			if want.Conflicts(used) {
				return framework.NewStatus(framework.Unschedulable, ErrReasonNodePorts)
			}
		}
	}
	return nil
}
