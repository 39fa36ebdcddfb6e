package framework

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
)

// MaxNodeScore and MinNodeScore bound normalized scores.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
)

// Plugin is anything registered in the framework.
type Plugin interface {
	Name() string
}

// PreFilterPlugin computes per-pod state before filtering. Returning an
// Unschedulable status rejects the pod on every node; Skip skips the
// plugin's Filter.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *v1.Pod) *Status
}

// PreFilterExtensions update a PreFilter plugin's cycle state when a pod
// is added to or removed from a node in a dry run (preemption), so that
// Filter sees the changed node without a new PreFilter over the cluster.
type PreFilterExtensions interface {
	AddPod(ctx context.Context, state *CycleState, pod *v1.Pod, toAdd *PodInfo, nodeInfo *NodeInfo) *Status
	RemovePod(ctx context.Context, state *CycleState, pod *v1.Pod, toRemove *PodInfo, nodeInfo *NodeInfo) *Status
}

// PreFilterExtender is a PreFilter plugin with PreFilterExtensions.
type PreFilterExtender interface {
	PreFilterExtensions() PreFilterExtensions
}

// FilterPlugin says whether the pod fits one node.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) *Status
}

// NodeToStatus maps node names to why they were rejected.
type NodeToStatus map[string]*Status

// PostFilterResult may nominate a node for the pod.
type PostFilterResult struct {
	NominatedNodeName string
}

// PostFilterPlugin runs when no node fits (preemption).
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, state *CycleState, pod *v1.Pod, filtered NodeToStatus) (*PostFilterResult, *Status)
}

// PreScorePlugin computes per-pod state before scoring the feasible nodes.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status
}

// NodeScore is one node's score.
type NodeScore struct {
	Name  string
	Score int64
}

// NodeScoreList lists scores in the order of the feasible nodes.
type NodeScoreList []NodeScore

// ScoreExtensions normalizes a plugin's raw scores to [0, MaxNodeScore].
type ScoreExtensions interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *v1.Pod, scores NodeScoreList) *Status
}

// ScorePlugin ranks a feasible node.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *v1.Pod, nodeInfo *NodeInfo) (int64, *Status)
	// ScoreExtensions returns nil when scores need no normalization.
	ScoreExtensions() ScoreExtensions
}

// ReservePlugin is told when a node is reserved for the pod and when that
// reservation is undone.
type ReservePlugin interface {
	Plugin
	Reserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
	Unreserve(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string)
}

// PermitPlugin may reject the pod after reservation, before binding.
type PermitPlugin interface {
	Plugin
	Permit(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
}

// BindPlugin binds the pod. Skip passes to the next bind plugin.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status
}

// Handle is what plugins may use from the scheduler.
type Handle interface {
	// Snapshot is the snapshot of the current cycle.
	Snapshot() *Snapshot
	// ClientSet talks to the API server (nil in pure tests).
	ClientSet() kubernetes.Interface
	// Framework runs the profile (for preemption's dry runs).
	Framework() *Framework
	// EventRecorder records events (nil in pure tests).
	EventRecorder() events.EventRecorder
}

// Factory builds a plugin.
type Factory func(h Handle) (Plugin, error)

// Registry maps plugin names to factories.
type Registry map[string]Factory
