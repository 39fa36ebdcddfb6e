package plugins

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

func spread(key string, maxSkew int32, when v1.UnsatisfiableConstraintAction) podOpt {
	return func(p *v1.Pod) {
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, v1.TopologySpreadConstraint{
			MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		})
	}
}

func TestPodTopologySpreadFilter(t *testing.T) {
	nodes := []*v1.Node{
		makeNode("a", "1", "1Gi", withLabels("zone", "z1")),
		makeNode("b", "1", "1Gi", withLabels("zone", "z2")),
		makeNode("c", "1", "1Gi", withLabels("zone", "z2")),
		makeNode("nozone", "1", "1Gi"),
	}
	web := func(name, node string) *v1.Pod { return makePod(name, podLabels("app", "web"), onNode(node)) }
	tests := []struct {
		name     string
		existing []*v1.Pod
		pod      *v1.Pod
		wantFit  []string
		reasons  map[string]string
	}{
		{
			name:     "skew 1 sends the pod to the emptier zone",
			existing: []*v1.Pod{web("w1", "b")},
			pod:      makePod("w2", podLabels("app", "web"), spread("zone", 1, v1.DoNotSchedule)),
			wantFit:  []string{"a"},
			reasons: map[string]string{
				"b":      ErrReasonTopologySpread,
				"nozone": ErrReasonTopologySpreadMissingLabel,
			},
		},
		{
			name:     "balanced zones accept both",
			existing: []*v1.Pod{web("w1", "a"), web("w2", "b")},
			pod:      makePod("w3", podLabels("app", "web"), spread("zone", 1, v1.DoNotSchedule)),
			wantFit:  []string{"a", "b", "c"},
		},
		{
			name:     "pods that do not match the selector do not count",
			existing: []*v1.Pod{makePod("x", podLabels("app", "other"), onNode("b"))},
			pod:      makePod("w", podLabels("app", "web"), spread("zone", 1, v1.DoNotSchedule)),
			wantFit:  []string{"a", "b", "c"},
		},
		{
			name:     "ScheduleAnyway never filters",
			existing: []*v1.Pod{web("w1", "b"), web("w2", "b")},
			pod:      makePod("w3", podLabels("app", "web"), spread("zone", 1, v1.ScheduleAnyway)),
			wantFit:  []string{"a", "b", "c", "nozone"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit, rejected := filterAll(t, tc.existing, nodes, tc.pod)
			if !reflect.DeepEqual(fit, tc.wantFit) {
				t.Errorf("fit = %v, want %v", fit, tc.wantFit)
			}
			for node, want := range tc.reasons {
				if got := rejected[node].Message(); got != want {
					t.Errorf("node %s: %q, want %q", node, got, want)
				}
			}
		})
	}
}

func TestPodTopologySpreadScore(t *testing.T) {
	nodes := []*v1.Node{makeNode("a", "1", "1Gi"), makeNode("b", "1", "1Gi"), makeNode("c", "1", "1Gi")}
	existing := []*v1.Pod{
		makePod("w1", podLabels("app", "web"), onNode("a")),
		makePod("w2", podLabels("app", "web"), onNode("a")),
		makePod("w3", podLabels("app", "web"), onNode("b")),
	}
	got := scoreOf(t, PodTopologySpreadName, existing, nodes, makePod("w", podLabels("app", "web"), spread(v1.LabelHostname, 1, v1.ScheduleAnyway)))
	if !(got["c"] > got["b"] && got["b"] > got["a"]) || got["c"] != 100 {
		t.Errorf("scores = %v, want c (empty) 100 > b > a", got)
	}
}

// TestSpreadOverZones schedules 30 pods one by one over 3 zones with a
// hard zone constraint through the whole framework.
func TestSpreadOverZones(t *testing.T) {
	var nodes []*v1.Node
	for i := 0; i < 6; i++ {
		nodes = append(nodes, makeNode(fmt.Sprintf("n%d", i), "8", "16Gi", withLabels("zone", fmt.Sprintf("z%d", i%3))))
	}
	fw := newTestFramework(t, nil, nodes)
	perZone := map[string]int{}
	for i := 0; i < 30; i++ {
		pod := makePod(fmt.Sprintf("w%d", i), podLabels("app", "web"), requests("100m", "100Mi"), spread("zone", 1, v1.DoNotSchedule))
		host, err := fw.SchedulePod(context.Background(), framework.NewCycleState(), pod)
		if err != nil {
			t.Fatalf("pod %d: %v", i, err)
		}
		pod.Spec.NodeName = host
		if err := fw.Snapshot().AssumePod(pod); err != nil {
			t.Fatal(err)
		}
		ni, _ := fw.Snapshot().Get(host)
		perZone[ni.Node().Labels["zone"]]++
	}
	if want := map[string]int{"z0": 10, "z1": 10, "z2": 10}; !reflect.DeepEqual(perZone, want) {
		t.Errorf("pods per zone = %v, want %v", perZone, want)
	}
}
