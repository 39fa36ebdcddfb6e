package nodelifecycle

import (
	"strconv"
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

func TestZoneTracker(t *testing.T) {
	T, U := v1.ConditionTrue, v1.ConditionUnknown
	named := func(name, zone string, ready v1.ConditionStatus) *v1.Node {
		n := zoned(zone, ready)
		n.Name = name
		return n
	}
	za, zb := "r:\x00:a", "r:\x00:b"
	tr := newZoneTracker()
	for i, n := range []*v1.Node{named("a1", "a", T), named("a2", "a", T), named("a3", "a", T), named("a4", "a", T), named("b1", "b", T)} {
		tr.set(n)
		tr.set(n) // a repeated event counts once
		if len(tr.nodes) != i+1 {
			t.Fatalf("tracked %d nodes, want %d", len(tr.nodes), i+1)
		}
	}
	check := func(what string, current *v1.Node, want map[string]zoneState, wantSizes map[string]int) {
		t.Helper()
		got, sizes := tr.states(DefaultUnhealthyZoneThreshold, current)
		if len(got) != len(want) {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
		for z, s := range want {
			if got[z] != s || sizes[z] != wantSizes[z] {
				t.Errorf("%s: zone %q: got %s (%d nodes), want %s (%d)", what, z, got[z], sizes[z], s, wantSizes[z])
			}
		}
	}
	check("all ready", nil, map[string]zoneState{za: stateNormal, zb: stateNormal}, map[string]int{za: 4, zb: 1})
	check("b1 just went down (not seen by the informer yet)", named("b1", "b", U),
		map[string]zoneState{za: stateNormal, zb: stateFullDisruption}, map[string]int{za: 4, zb: 1})
	check("the override is not stored", nil, map[string]zoneState{za: stateNormal, zb: stateNormal}, map[string]int{za: 4, zb: 1})
	for _, name := range []string{"a1", "a2", "a3"} {
		tr.set(named(name, "a", U))
	}
	check("three of four down in a", nil, map[string]zoneState{za: statePartialDisruption, zb: stateNormal}, map[string]int{za: 4, zb: 1})
	check("a new node joins a", named("a5", "a", T), map[string]zoneState{za: statePartialDisruption, zb: stateNormal}, map[string]int{za: 5, zb: 1})
	tr.set(named("b1", "a", T)) // relabelled into zone a
	check("b1 moved to a: three of five down", nil, map[string]zoneState{za: statePartialDisruption}, map[string]int{za: 5})
	tr.remove("b1")
	tr.remove("b1")
	tr.remove("a4")
	check("removed", nil, map[string]zoneState{za: stateFullDisruption}, map[string]int{za: 3})
	if all := allFullyDisrupted(must(tr.states(DefaultUnhealthyZoneThreshold, nil))); !all {
		t.Error("allFullyDisrupted = false with every node down")
	}
}

func must(states map[string]zoneState, _ map[string]int) map[string]zoneState { return states }

// BenchmarkZoneStates is the per-reconcile cost of classifying the zones of
// 5,000 nodes.
func BenchmarkZoneStates(b *testing.B) {
	tr := newZoneTracker()
	for i := range 5000 {
		n := zoned(string(rune('a'+i%10)), v1.ConditionTrue)
		n.Name = "n" + strconv.Itoa(i)
		tr.set(n)
	}
	cur := zoned("c", v1.ConditionTrue)
	cur.Name = "n2"
	b.ResetTimer()
	for range b.N {
		tr.states(DefaultUnhealthyZoneThreshold, cur)
	}
}
