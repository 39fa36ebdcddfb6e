package plugins

import (
	"reflect"
	"sort"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestNodeResourcesFitFilter(t *testing.T) {
	initBig := func(p *v1.Pod) {
		p.Spec.InitContainers = []v1.Container{{Name: "init", Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("3")}}}}
	}
	overhead := func(p *v1.Pod) { p.Spec.Overhead = v1.ResourceList{v1.ResourceCPU: resource.MustParse("600m")} }
	gpu := func(p *v1.Pod) {
		p.Spec.Containers[0].Resources.Requests = v1.ResourceList{"example.com/gpu": resource.MustParse("2")}
	}
	eph := func(p *v1.Pod) {
		p.Spec.Containers[0].Resources.Requests = v1.ResourceList{v1.ResourceEphemeralStorage: resource.MustParse("2Gi")}
	}
	tests := []struct {
		name     string
		nodes    []*v1.Node
		existing []*v1.Pod
		pod      *v1.Pod
		wantFit  []string
		reasons  map[string][]string
	}{
		{
			name:    "fits on the node with room",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi"), makeNode("b", "4", "8Gi")},
			pod:     makePod("p", requests("2", "2Gi")),
			wantFit: []string{"b"},
			reasons: map[string][]string{"a": {"Insufficient cpu", "Insufficient memory"}},
		},
		{
			name:     "existing pods use the room",
			nodes:    []*v1.Node{makeNode("a", "2", "4Gi")},
			existing: []*v1.Pod{makePod("e", requests("1500m", ""), onNode("a"))},
			pod:      makePod("p", requests("1", "")),
			reasons:  map[string][]string{"a": {"Insufficient cpu"}},
		},
		{
			name:    "init container max rule",
			nodes:   []*v1.Node{makeNode("a", "2", "4Gi"), makeNode("b", "4", "4Gi")},
			pod:     makePod("p", requests("500m", ""), initBig),
			wantFit: []string{"b"},
			reasons: map[string][]string{"a": {"Insufficient cpu"}},
		},
		{
			name:    "overhead counts",
			nodes:   []*v1.Node{makeNode("a", "1", "4Gi")},
			pod:     makePod("p", requests("500m", ""), overhead),
			reasons: map[string][]string{"a": {"Insufficient cpu"}},
		},
		{
			name:    "extended resources",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi"), makeNode("b", "1", "1Gi", withAllocatable("example.com/gpu", "4"))},
			pod:     makePod("p", gpu),
			wantFit: []string{"b"},
			reasons: map[string][]string{"a": {"Insufficient example.com/gpu"}},
		},
		{
			name:    "ephemeral storage",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", withAllocatable(v1.ResourceEphemeralStorage, "1Gi")), makeNode("b", "1", "1Gi", withAllocatable(v1.ResourceEphemeralStorage, "10Gi"))},
			pod:     makePod("p", eph),
			wantFit: []string{"b"},
			reasons: map[string][]string{"a": {"Insufficient ephemeral-storage"}},
		},
		{
			name:     "pod count",
			nodes:    []*v1.Node{makeNode("a", "1", "1Gi", withAllocatable(v1.ResourcePods, "1"))},
			existing: []*v1.Pod{makePod("e", onNode("a"))},
			pod:      makePod("p"),
			reasons:  map[string][]string{"a": {"Too many pods"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit, rejected := filterAll(t, tc.existing, tc.nodes, tc.pod)
			if !reflect.DeepEqual(fit, tc.wantFit) {
				t.Errorf("fit = %v, want %v", fit, tc.wantFit)
			}
			for node, want := range tc.reasons {
				got := append([]string(nil), rejected[node].Reasons()...)
				sort.Strings(got)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("node %s reasons = %v, want %v", node, got, want)
				}
			}
		})
	}
}

func TestLeastAllocatedAndBalancedScore(t *testing.T) {
	nodes := []*v1.Node{makeNode("empty", "4", "8Gi"), makeNode("busy", "4", "8Gi")}
	existing := []*v1.Pod{makePod("e", requests("3", "1Gi"), onNode("busy"))}
	pod := makePod("p", requests("1", "1Gi"))
	least := scoreOf(t, NodeResourcesFitName, existing, nodes, pod)
	if least["empty"] <= least["busy"] {
		t.Errorf("LeastAllocated scores %v: the empty node should win", least)
	}
	// empty: cpu 1/4 left 75, mem 1/8 → 87 → (75+87)/2 = 81.
	if least["empty"] != 81 {
		t.Errorf("LeastAllocated(empty) = %d, want 81", least["empty"])
	}
	bal := scoreOf(t, BalancedAllocationName, existing, nodes, pod)
	if bal["empty"] <= bal["busy"] {
		t.Errorf("BalancedAllocation scores %v: the balanced node should win", bal)
	}
}
