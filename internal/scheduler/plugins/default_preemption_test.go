package plugins

import (
	"context"
	"errors"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

func TestPreemptionCandidate(t *testing.T) {
	nodes := []*v1.Node{
		makeNode("a", "2", "4Gi"),
		makeNode("b", "2", "4Gi"),
		makeNode("tainted", "2", "4Gi", withTaint("k", "v", v1.TaintEffectNoSchedule)),
	}
	existing := []*v1.Pod{
		makePod("a-low", requests("1500m", ""), priority(10), onNode("a")),
		makePod("a-mid", requests("500m", ""), priority(50), onNode("a")),
		makePod("b-high", requests("2", ""), priority(1000), onNode("b")),
	}
	tests := []struct {
		name        string
		pod         *v1.Pod
		wantNode    string
		wantVictims []string
		wantMsg     string
	}{
		{
			name:        "evicts the fewest lower-priority pods",
			pod:         makePod("p", requests("1", ""), priority(100)),
			wantNode:    "a",
			wantVictims: []string{"a-low"},
		},
		{
			name:    "no lower-priority pods to evict",
			pod:     makePod("p", requests("1", ""), priority(5)),
			wantMsg: "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fw := newTestFramework(t, existing, nodes)
			state := framework.NewCycleState()
			_, err := fw.SchedulePod(context.Background(), state, tc.pod)
			var fitErr *framework.FitError
			if !errors.As(err, &fitErr) {
				t.Fatalf("SchedulePod: %v, want a FitError", err)
			}
			p := &DefaultPreemption{h: fw}
			c, msg := p.FindCandidate(context.Background(), state, tc.pod, fitErr.Statuses)
			if tc.wantNode == "" {
				if c != nil {
					t.Fatalf("candidate %s with %d victims, want none", c.Node, len(c.Victims))
				}
				if msg != tc.wantMsg {
					t.Errorf("message %q, want %q", msg, tc.wantMsg)
				}
				return
			}
			if c == nil {
				t.Fatalf("no candidate: %s", msg)
			}
			var victims []string
			for _, v := range c.Victims {
				victims = append(victims, v.Name)
			}
			if c.Node != tc.wantNode || len(victims) != len(tc.wantVictims) || victims[0] != tc.wantVictims[0] {
				t.Errorf("candidate %s %v, want %s %v", c.Node, victims, tc.wantNode, tc.wantVictims)
			}
		})
	}
}

func TestNominatedPodsKeepTheirRoom(t *testing.T) {
	nodes := []*v1.Node{makeNode("a", "2", "4Gi")}
	nominated := makePod("preemptor", requests("1500m", ""), priority(100))
	tests := []struct {
		name string
		pod  *v1.Pod
		fits bool
	}{
		{"lower priority pod does not take the room", makePod("low", requests("1", ""), priority(10)), false},
		{"higher priority pod ignores the nomination", makePod("high", requests("1", ""), priority(1000)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fw := newTestFramework(t, nil, nodes)
			fw.NominatedPods = func(node string) []*v1.Pod {
				if node == "a" {
					return []*v1.Pod{nominated}
				}
				return nil
			}
			_, err := fw.SchedulePod(context.Background(), framework.NewCycleState(), tc.pod)
			if fits := err == nil; fits != tc.fits {
				t.Errorf("fits = %v (%v), want %v", fits, err, tc.fits)
			}
		})
	}
}

// TestPreemptionForAffinity: victims that block the pod through
// anti-affinity (the pod's or their own) or topology spread are found
// thanks to the PreFilter extensions.
func TestPreemptionForAffinity(t *testing.T) {
	ignore := v1.NodeInclusionPolicyIgnore
	tests := []struct {
		name        string
		existing    []*v1.Pod
		pod         *v1.Pod
		wantVictims int
	}{
		{
			name:        "the pod's anti-affinity",
			existing:    []*v1.Pod{makePod("low", podLabels("app", "x"), priority(1), onNode("a"))},
			pod:         makePod("high", priority(100), requiredAnti(podAffinityTerm("pool", "app", "x"))),
			wantVictims: 1,
		},
		{
			name:        "the victim's anti-affinity",
			existing:    []*v1.Pod{makePod("low", priority(1), requiredAnti(podAffinityTerm("pool", "app", "y")), onNode("a"))},
			pod:         makePod("high", podLabels("app", "y"), priority(100)),
			wantVictims: 1,
		},
		{
			name: "topology spread",
			existing: []*v1.Pod{
				makePod("low1", podLabels("app", "web"), priority(1), onNode("a")),
				makePod("low2", podLabels("app", "web"), priority(2), onNode("a")),
			},
			pod: makePod("high", podLabels("app", "web"), priority(100), func(p *v1.Pod) {
				p.Spec.NodeSelector = map[string]string{v1.LabelHostname: "a"}
			}, spread(v1.LabelHostname, 1, v1.DoNotSchedule), func(p *v1.Pod) {
				p.Spec.TopologySpreadConstraints[0].NodeAffinityPolicy = &ignore
			}),
			wantVictims: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// b has no "pool" label, so only a can take pods with pool terms.
			nodes := []*v1.Node{makeNode("a", "4", "4Gi", withLabels("pool", "p")), makeNode("b", "4", "4Gi", withTaint("k", "v", v1.TaintEffectNoSchedule))}
			fw := newTestFramework(t, tc.existing, nodes)
			state := framework.NewCycleState()
			_, err := fw.SchedulePod(context.Background(), state, tc.pod)
			var fitErr *framework.FitError
			if !errors.As(err, &fitErr) {
				t.Fatalf("SchedulePod: %v, want a FitError", err)
			}
			p := &DefaultPreemption{h: fw}
			c, msg := p.FindCandidate(context.Background(), state, tc.pod, fitErr.Statuses)
			if c == nil {
				t.Fatalf("no candidate: %s", msg)
			}
			if c.Node != "a" || len(c.Victims) != tc.wantVictims {
				t.Errorf("candidate %s with %d victims, want a with %d", c.Node, len(c.Victims), tc.wantVictims)
			}
		})
	}
}
