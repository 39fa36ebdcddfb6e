package nodelifecycle

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func zoned(zone string, ready v1.ConditionStatus) *v1.Node {
	n := nodeWith(ready)
	if zone != "" {
		n.Labels = map[string]string{v1.LabelTopologyRegion: "r", v1.LabelTopologyZone: zone}
	}
	return n
}

func TestZoneStates(t *testing.T) {
	T, F, U := v1.ConditionTrue, v1.ConditionFalse, v1.ConditionUnknown
	tests := []struct {
		name  string
		nodes []*v1.Node
		want  map[string]zoneState
		all   bool
	}{
		{"one ready", []*v1.Node{zoned("", T)}, map[string]zoneState{"": stateNormal}, false},
		{"only node down", []*v1.Node{zoned("", U)}, map[string]zoneState{"": stateFullDisruption}, true},
		{"never posted counts as not ready", []*v1.Node{zoned("", "")}, map[string]zoneState{"": stateFullDisruption}, true},
		{"two of four down is normal", []*v1.Node{zoned("", T), zoned("", T), zoned("", F), zoned("", U)}, map[string]zoneState{"": stateNormal}, false},
		{"three of four down is partial", []*v1.Node{zoned("", T), zoned("", F), zoned("", F), zoned("", U)}, map[string]zoneState{"": statePartialDisruption}, false},
		{"one zone out", []*v1.Node{zoned("a", T), zoned("b", U), zoned("b", U)},
			map[string]zoneState{"r:\x00:a": stateNormal, "r:\x00:b": stateFullDisruption}, false},
		{"every zone out", []*v1.Node{zoned("a", U), zoned("b", F)},
			map[string]zoneState{"r:\x00:a": stateFullDisruption, "r:\x00:b": stateFullDisruption}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := zoneStates(tt.nodes, DefaultUnhealthyZoneThreshold)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for z, s := range tt.want {
				if got[z] != s {
					t.Errorf("zone %q: got %s, want %s", z, got[z], s)
				}
			}
			if all := allFullyDisrupted(got); all != tt.all {
				t.Errorf("allFullyDisrupted = %v", all)
			}
		})
	}
}

func TestEvictionTaintFilters(t *testing.T) {
	now := metav1.Now()
	unreachableNE := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute}
	unreachableNS := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule}
	desired := []v1.Taint{unreachableNE, unreachableNS}
	if got := taintStrings(withoutEvictionTaints(desired)); len(got) != 1 || got[0] != "node.kubernetes.io/unreachable:NoSchedule" {
		t.Errorf("withoutEvictionTaints = %v", got)
	}
	if !addsEvictionTaint(desired, nil) {
		t.Error("addsEvictionTaint on an untainted node = false")
	}
	current := []v1.Taint{{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute, TimeAdded: &now}}
	if addsEvictionTaint(desired, current) {
		t.Error("addsEvictionTaint when already tainted = true")
	}
	if got := withoutNewEvictionTaints(desired, current); len(got) != 2 {
		t.Errorf("existing eviction taint dropped: %v", taintStrings(got))
	}
	if got := withoutNewEvictionTaints(desired, nil); len(got) != 1 {
		t.Errorf("new eviction taint kept: %v", taintStrings(got))
	}
}
