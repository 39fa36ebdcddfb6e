package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// NodeResourcesFitName is the plugin's name.
const NodeResourcesFitName = "NodeResourcesFit"

// ErrReasonTooManyPods is upstream's reason when the pods capacity is used.
const ErrReasonTooManyPods = "Too many pods"

const fitStateKey = "PreFilter" + NodeResourcesFitName

// NodeResourcesFit rejects nodes without room for the pod's requests
// (cpu, memory, ephemeral-storage, pods, extended resources; init
// containers by the max rule; overhead included) and scores nodes by the
// LeastAllocated strategy over cpu and memory.
type NodeResourcesFit struct{}

var (
	_ framework.PreFilterPlugin = (*NodeResourcesFit)(nil)
	_ framework.FilterPlugin    = (*NodeResourcesFit)(nil)
	_ framework.ScorePlugin     = (*NodeResourcesFit)(nil)
)

// NewNodeResourcesFit builds the plugin.
func NewNodeResourcesFit(framework.Handle) (framework.Plugin, error) {
	return &NodeResourcesFit{}, nil
}

// Name returns the plugin name.
func (*NodeResourcesFit) Name() string { return NodeResourcesFitName }

type fitState struct {
	requests framework.Resource
	nonZero  framework.Resource
}

func (s *fitState) Clone() framework.StateData { return s }

// PreFilter computes the pod's requests once.
func (*NodeResourcesFit) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	state.Write(fitStateKey, podFitState(pod))
	return nil
}

func podFitState(pod *v1.Pod) *fitState {
	return &fitState{requests: framework.PodRequests(pod), nonZero: framework.PodNonZeroRequests(pod)}
}

func readFitState(state *framework.CycleState, pod *v1.Pod) *fitState {
	if d, err := state.Read(fitStateKey); err == nil {
		return d.(*fitState)
	}
	return podFitState(pod)
}

// InsufficientResource is one resource a node lacks.
type InsufficientResource struct {
	Name      v1.ResourceName
	Reason    string
	Requested int64
	Used      int64
	Capacity  int64
}

// Fits lists what the node lacks for requests (empty when it fits).
func Fits(req framework.Resource, ni *framework.NodeInfo) []InsufficientResource {
	var out []InsufficientResource
	if int64(len(ni.Pods))+1 > ni.Allocatable.AllowedPodNumber {
		out = append(out, InsufficientResource{Name: v1.ResourcePods, Reason: ErrReasonTooManyPods, Requested: 1, Used: int64(len(ni.Pods)), Capacity: ni.Allocatable.AllowedPodNumber})
	}
	check := func(name v1.ResourceName, want, used, capacity int64) {
		if want > 0 && want > capacity-used {
			out = append(out, InsufficientResource{Name: name, Reason: fmt.Sprintf("Insufficient %s", name), Requested: want, Used: used, Capacity: capacity})
		}
	}
	check(v1.ResourceCPU, req.MilliCPU, ni.Requested.MilliCPU, ni.Allocatable.MilliCPU)
	check(v1.ResourceMemory, req.Memory, ni.Requested.Memory, ni.Allocatable.Memory)
	check(v1.ResourceEphemeralStorage, req.EphemeralStorage, ni.Requested.EphemeralStorage, ni.Allocatable.EphemeralStorage)
	for name, want := range req.Scalar {
		check(name, want, ni.Requested.Scalar[name], ni.Allocatable.Scalar[name])
	}
	return out
}

// Filter checks the node's free allocatable resources.
func (*NodeResourcesFit) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	insufficient := Fits(readFitState(state, pod).requests, ni)
	if len(insufficient) == 0 {
		return nil
	}
	reasons := make([]string, 0, len(insufficient))
	for _, r := range insufficient {
		reasons = append(reasons, r.Reason)
	}
	return framework.NewStatus(framework.Unschedulable, reasons...)
}

// Score is LeastAllocated: the mean over cpu and memory of the free share
// left after placing the pod (non-zero requests), times 100.
func (*NodeResourcesFit) Score(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	req := readFitState(state, pod).nonZero
	least := func(requested, capacity int64) int64 {
		if capacity == 0 || requested > capacity {
			return 0
		}
		return (capacity - requested) * framework.MaxNodeScore / capacity
	}
	cpu := least(ni.NonZeroRequested.MilliCPU+req.MilliCPU, ni.Allocatable.MilliCPU)
	mem := least(ni.NonZeroRequested.Memory+req.Memory, ni.Allocatable.Memory)
	return (cpu + mem) / 2, nil
}

// ScoreExtensions: scores are already in [0, 100].
func (*NodeResourcesFit) ScoreExtensions() framework.ScoreExtensions { return nil }
