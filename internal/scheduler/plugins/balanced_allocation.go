package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// BalancedAllocationName is the plugin's name.
const BalancedAllocationName = "NodeResourcesBalancedAllocation"

// BalancedAllocation prefers nodes whose cpu and memory would be used in
// similar proportions once the pod is placed.
type BalancedAllocation struct{}

var _ framework.ScorePlugin = (*BalancedAllocation)(nil)

// NewBalancedAllocation builds the plugin.
func NewBalancedAllocation(framework.Handle) (framework.Plugin, error) {
	return &BalancedAllocation{}, nil
}

// Name returns the plugin name.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// Score is (1 - standard deviation of the used fractions) * 100.
func (*BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	req := readFitState(state, pod).requests
	frac := func(requested, capacity int64) float64 {
		if capacity == 0 {
			return 0
		}
		f := float64(requested) / float64(capacity)
		return math.Min(f, 1)
	}
	cpu := frac(ni.Requested.MilliCPU+req.MilliCPU, ni.Allocatable.MilliCPU)
	mem := frac(ni.Requested.Memory+req.Memory, ni.Allocatable.Memory)
	// With two values the standard deviation is half their distance.
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * float64(framework.MaxNodeScore)), nil
}

// ScoreExtensions: scores are already in [0, 100].
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }
