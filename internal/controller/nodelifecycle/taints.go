package nodelifecycle

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownedTaints are the taints this controller adds and removes; all others
// are left alone.
var ownedTaints = map[v1.Taint]bool{}

func init() {
	for _, key := range []string{v1.TaintNodeNotReady, v1.TaintNodeUnreachable} {
		ownedTaints[v1.Taint{Key: key, Effect: v1.TaintEffectNoExecute}] = true
		ownedTaints[v1.Taint{Key: key, Effect: v1.TaintEffectNoSchedule}] = true
	}
	for _, key := range []string{v1.TaintNodeUnschedulable, v1.TaintNodeMemoryPressure, v1.TaintNodeDiskPressure,
		v1.TaintNodePIDPressure, v1.TaintNodeNetworkUnavailable} {
		ownedTaints[v1.Taint{Key: key, Effect: v1.TaintEffectNoSchedule}] = true
	}
}

func ownedKey(t v1.Taint) v1.Taint { return v1.Taint{Key: t.Key, Effect: t.Effect} }

// desiredTaints are the owned taints the node's state calls for: NoExecute
// not-ready/unreachable for taint-based eviction, and the NoSchedule
// taints of TaintNodesByCondition.
func desiredTaints(node *v1.Node) []v1.Taint {
	var out []v1.Taint
	add := func(key string, effect v1.TaintEffect) {
		out = append(out, v1.Taint{Key: key, Effect: effect})
	}
	switch readyStatus(node) {
	case v1.ConditionFalse:
		add(v1.TaintNodeNotReady, v1.TaintEffectNoExecute)
		add(v1.TaintNodeNotReady, v1.TaintEffectNoSchedule)
	case v1.ConditionUnknown:
		add(v1.TaintNodeUnreachable, v1.TaintEffectNoExecute)
		add(v1.TaintNodeUnreachable, v1.TaintEffectNoSchedule)
	}
	pressure := map[v1.NodeConditionType]string{
		v1.NodeMemoryPressure:     v1.TaintNodeMemoryPressure,
		v1.NodeDiskPressure:       v1.TaintNodeDiskPressure,
		v1.NodePIDPressure:        v1.TaintNodePIDPressure,
		v1.NodeNetworkUnavailable: v1.TaintNodeNetworkUnavailable,
	}
	for _, t := range []v1.NodeConditionType{v1.NodeMemoryPressure, v1.NodeDiskPressure, v1.NodePIDPressure, v1.NodeNetworkUnavailable} {
		if c := findCondition(node.Status.Conditions, t); c != nil && c.Status == v1.ConditionTrue {
			add(pressure[t], v1.TaintEffectNoSchedule)
		}
	}
	if node.Spec.Unschedulable {
		add(v1.TaintNodeUnschedulable, v1.TaintEffectNoSchedule)
	}
	return out
}

// reconcileTaints returns current with the owned taints replaced by
// desired; taints kept keep their TimeAdded, new NoExecute taints get now.
// changed is false when nothing differs.
func reconcileTaints(current, desired []v1.Taint, now metav1.Time) ([]v1.Taint, bool) {
	want := map[v1.Taint]bool{}
	for _, t := range desired {
		want[ownedKey(t)] = true
	}
	have := map[v1.Taint]bool{}
	var out []v1.Taint
	changed := false
	for _, t := range current {
		k := ownedKey(t)
		if ownedTaints[k] && !want[k] {
			changed = true
			continue
		}
		have[k] = true
		out = append(out, t)
	}
	for _, t := range desired {
		if have[ownedKey(t)] {
			continue
		}
		if t.Effect == v1.TaintEffectNoExecute {
			added := now
			t.TimeAdded = &added
		}
		out = append(out, t)
		changed = true
	}
	if !changed {
		return current, false
	}
	return out, true
}
