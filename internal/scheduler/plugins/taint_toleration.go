package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// TaintTolerationName is the plugin's name.
const TaintTolerationName = "TaintToleration"

// TaintToleration rejects nodes with NoSchedule/NoExecute taints the pod
// does not tolerate and prefers nodes with fewer untolerated
// PreferNoSchedule taints.
type TaintToleration struct{}

var (
	_ framework.FilterPlugin = (*TaintToleration)(nil)
	_ framework.ScorePlugin  = (*TaintToleration)(nil)
)

// NewTaintToleration builds the plugin.
func NewTaintToleration(framework.Handle) (framework.Plugin, error) { return &TaintToleration{}, nil }

// Name returns the plugin name.
func (*TaintToleration) Name() string { return TaintTolerationName }

// Filter looks for an untolerated NoSchedule or NoExecute taint.
func (*TaintToleration) Filter(_ context.Context, _ *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	taint, found := v1helper.FindMatchingUntoleratedTaint(klog.Background(), ni.Node().Spec.Taints, pod.Spec.Tolerations, func(t *v1.Taint) bool {
		return t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute
	}, false)
	if !found {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable,
		fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value))
}

// Score counts untolerated PreferNoSchedule taints (fewer is better after
// the reversed normalization).
func (*TaintToleration) Score(_ context.Context, _ *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	var tols []v1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == v1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	var n int64
	for i := range ni.Node().Spec.Taints {
		t := &ni.Node().Spec.Taints[i]
		if t.Effect == v1.TaintEffectPreferNoSchedule && !v1helper.TolerationsTolerateTaint(klog.Background(), tols, t, false) {
			n++
		}
	}
	return n, nil
}

// ScoreExtensions reverses the counts onto [0, 100].
func (*TaintToleration) ScoreExtensions() framework.ScoreExtensions {
	return maxNormalizer{reverse: true}
}
