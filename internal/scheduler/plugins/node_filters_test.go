package plugins

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestNodeFilters(t *testing.T) {
	cordoned := func(n *v1.Node) { n.Spec.Unschedulable = true }
	tolerateUnschedulable := func(p *v1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, v1.Toleration{Key: v1.TaintNodeUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule})
	}
	tolerate := func(key, value string) podOpt {
		return func(p *v1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, v1.Toleration{Key: key, Operator: v1.TolerationOpEqual, Value: value, Effect: v1.TaintEffectNoSchedule})
		}
	}
	nodeSelector := func(kv ...string) podOpt {
		return func(p *v1.Pod) {
			p.Spec.NodeSelector = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				p.Spec.NodeSelector[kv[i]] = kv[i+1]
			}
		}
	}
	requiredIn := func(key string, values ...string) podOpt {
		return func(p *v1.Pod) {
			p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{Key: key, Operator: v1.NodeSelectorOpIn, Values: values}}}},
			}}}
		}
	}
	hostPort := func(port int32) podOpt {
		return func(p *v1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, v1.ContainerPort{ContainerPort: 80, HostPort: port})
		}
	}
	tests := []struct {
		name     string
		nodes    []*v1.Node
		existing []*v1.Pod
		pod      *v1.Pod
		wantFit  []string
		reasons  map[string]string
	}{
		{
			name:    "nodeName",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi"), makeNode("b", "1", "1Gi")},
			pod:     makePod("p", onNode("b")),
			wantFit: []string{"b"},
			reasons: map[string]string{"a": ErrReasonNodeName},
		},
		{
			name:    "cordoned node",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", cordoned), makeNode("b", "1", "1Gi")},
			pod:     makePod("p"),
			wantFit: []string{"b"},
			reasons: map[string]string{"a": ErrReasonUnschedulable},
		},
		{
			name:    "cordoned node tolerated",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", cordoned)},
			pod:     makePod("p", tolerateUnschedulable),
			wantFit: []string{"a"},
		},
		{
			name:    "untolerated taint",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", withTaint("k", "v", v1.TaintEffectNoSchedule)), makeNode("b", "1", "1Gi", withTaint("x", "", v1.TaintEffectPreferNoSchedule))},
			pod:     makePod("p"),
			wantFit: []string{"b"},
			reasons: map[string]string{"a": "node(s) had untolerated taint {k: v}"},
		},
		{
			name:    "tolerated taint",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", withTaint("k", "v", v1.TaintEffectNoSchedule))},
			pod:     makePod("p", tolerate("k", "v")),
			wantFit: []string{"a"},
		},
		{
			name:    "nodeSelector",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", withLabels("disk", "ssd")), makeNode("b", "1", "1Gi")},
			pod:     makePod("p", nodeSelector("disk", "ssd")),
			wantFit: []string{"a"},
			reasons: map[string]string{"b": ErrReasonNodeAffinity},
		},
		{
			name:    "required node affinity",
			nodes:   []*v1.Node{makeNode("a", "1", "1Gi", withLabels("zone", "z1")), makeNode("b", "1", "1Gi", withLabels("zone", "z2"))},
			pod:     makePod("p", requiredIn("zone", "z2", "z3")),
			wantFit: []string{"b"},
			reasons: map[string]string{"a": ErrReasonNodeAffinity},
		},
		{
			name:     "host port in use",
			nodes:    []*v1.Node{makeNode("a", "1", "1Gi"), makeNode("b", "1", "1Gi")},
			existing: []*v1.Pod{makePod("e", hostPort(8080), onNode("a"))},
			pod:      makePod("p", hostPort(8080)),
			wantFit:  []string{"b"},
			reasons:  map[string]string{"a": ErrReasonNodePorts},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit, rejected := filterAll(t, tc.existing, tc.nodes, tc.pod)
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

func TestNodeScores(t *testing.T) {
	preferred := func(p *v1.Pod) {
		p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.PreferredSchedulingTerm{
			{Weight: 10, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "zone", Operator: v1.NodeSelectorOpIn, Values: []string{"z1"}}}}},
			{Weight: 5, Preference: v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: "disk", Operator: v1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
		}}}
	}
	nodes := []*v1.Node{
		makeNode("a", "1", "1Gi", withLabels("zone", "z1", "disk", "ssd")),
		makeNode("b", "1", "1Gi", withLabels("zone", "z1")),
		makeNode("c", "1", "1Gi", withTaint("soft", "", v1.TaintEffectPreferNoSchedule)),
	}
	got := scoreOf(t, NodeAffinityName, nil, nodes, makePod("p", preferred))
	if want := map[string]int64{"a": 100, "b": 66, "c": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("NodeAffinity scores = %v, want %v", got, want)
	}
	got = scoreOf(t, TaintTolerationName, nil, nodes, makePod("p"))
	if want := map[string]int64{"a": 100, "b": 100, "c": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("TaintToleration scores = %v, want %v", got, want)
	}
}

func TestImageLocalityScore(t *testing.T) {
	withImage := func(name string, size int64) nodeOpt {
		return func(n *v1.Node) {
			n.Status.Images = append(n.Status.Images, v1.ContainerImage{Names: []string{name}, SizeBytes: size})
		}
	}
	nodes := []*v1.Node{
		makeNode("has", "1", "1Gi", withImage("docker.io/library/big:1", 800*1024*1024)),
		makeNode("none", "1", "1Gi"),
	}
	pod := makePod("p", func(p *v1.Pod) { p.Spec.Containers[0].Image = "big:1" })
	got := scoreOf(t, ImageLocalityName, nil, nodes, pod)
	if got["has"] <= got["none"] || got["none"] != 0 {
		t.Errorf("ImageLocality scores = %v, want the node with the image ahead and 0 for the other", got)
	}
}
