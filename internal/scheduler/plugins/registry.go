package plugins

import "github.com/nauta/nauta/internal/scheduler/framework"

// NewRegistry returns every in-tree plugin by name.
func NewRegistry() framework.Registry {
	return framework.Registry{
		NodeUnschedulableName:  NewNodeUnschedulable,
		NodeNameName:           NewNodeName,
		TaintTolerationName:    NewTaintToleration,
		NodeAffinityName:       NewNodeAffinity,
		NodePortsName:          NewNodePorts,
		NodeResourcesFitName:   NewNodeResourcesFit,
		PodTopologySpreadName:  NewPodTopologySpread,
		InterPodAffinityName:   NewInterPodAffinity,
		DefaultPreemptionName:  NewDefaultPreemption,
		BalancedAllocationName: NewBalancedAllocation,
		ImageLocalityName:      NewImageLocality,
		DefaultBinderName:      NewDefaultBinder,
	}
}

// DefaultProfile is upstream's default plugin order and score weights.
func DefaultProfile() []framework.PluginConfig {
	return []framework.PluginConfig{
		{Name: NodeUnschedulableName},
		{Name: NodeNameName},
		{Name: TaintTolerationName, Weight: 3},
		{Name: NodeAffinityName, Weight: 2},
		{Name: NodePortsName},
		{Name: NodeResourcesFitName, Weight: 1},
		{Name: PodTopologySpreadName, Weight: 2},
		{Name: InterPodAffinityName, Weight: 2},
		{Name: DefaultPreemptionName},
		{Name: BalancedAllocationName, Weight: 1},
		{Name: ImageLocalityName, Weight: 1},
		{Name: DefaultBinderName},
	}
}
