package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// NodeAffinityName is the plugin's name.
const NodeAffinityName = "NodeAffinity"

// ErrReasonNodeAffinity is upstream's reason for nodeSelector and required
// node affinity mismatches.
const ErrReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector"

const nodeAffinityStateKey = "PreFilter" + NodeAffinityName

// NodeAffinity filters on spec.nodeSelector and required node affinity,
// and scores preferred node affinity terms.
type NodeAffinity struct{}

var (
	_ framework.PreFilterPlugin = (*NodeAffinity)(nil)
	_ framework.FilterPlugin    = (*NodeAffinity)(nil)
	_ framework.PreScorePlugin  = (*NodeAffinity)(nil)
	_ framework.ScorePlugin     = (*NodeAffinity)(nil)
)

// NewNodeAffinity builds the plugin.
func NewNodeAffinity(framework.Handle) (framework.Plugin, error) { return &NodeAffinity{}, nil }

// Name returns the plugin name.
func (*NodeAffinity) Name() string { return NodeAffinityName }

type nodeAffinityState struct {
	required  nodeaffinity.RequiredNodeAffinity
	preferred *nodeaffinity.PreferredSchedulingTerms
}

func (s *nodeAffinityState) Clone() framework.StateData { return s }

// PreFilter parses the pod's node selector and affinity once.
func (p *NodeAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	aff := pod.Spec.Affinity
	noRequired := len(pod.Spec.NodeSelector) == 0 && (aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil)
	if noRequired {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(nodeAffinityStateKey, &nodeAffinityState{required: nodeaffinity.GetRequiredNodeAffinity(pod)})
	return nil
}

// Filter matches the node's labels and fields.
func (p *NodeAffinity) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	if d, err := state.Read(nodeAffinityStateKey); err == nil {
		req = d.(*nodeAffinityState).required
	}
	ok, err := req.Match(ni.Node())
	if err != nil {
		return framework.AsStatus(err)
	}
	if !ok {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonNodeAffinity)
	}
	return nil
}

const nodeAffinityScoreKey = "PreScore" + NodeAffinityName

// PreScore parses the preferred terms.
func (p *NodeAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || len(aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	terms, err := nodeaffinity.NewPreferredSchedulingTerms(aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		return framework.AsStatus(err)
	}
	state.Write(nodeAffinityScoreKey, &nodeAffinityState{preferred: terms})
	return nil
}

// Score sums the weights of the matching preferred terms.
func (p *NodeAffinity) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(nodeAffinityScoreKey)
	if err != nil {
		return 0, nil
	}
	return d.(*nodeAffinityState).preferred.Score(ni.Node()), nil
}

// ScoreExtensions normalizes to [0, 100] by the highest score.
func (p *NodeAffinity) ScoreExtensions() framework.ScoreExtensions { return maxNormalizer{} }
