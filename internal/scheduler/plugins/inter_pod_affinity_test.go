package plugins

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func podAffinityTerm(key string, kv ...string) v1.PodAffinityTerm {
	ml := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		ml[kv[i]] = kv[i+1]
	}
	return v1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: ml}, TopologyKey: key}
}

func requiredAffinity(terms ...v1.PodAffinityTerm) podOpt {
	return func(p *v1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &v1.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func requiredAnti(terms ...v1.PodAffinityTerm) podOpt {
	return func(p *v1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &v1.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func TestInterPodAffinityFilter(t *testing.T) {
	zones := []*v1.Node{
		makeNode("a", "1", "1Gi", withLabels("zone", "z1")),
		makeNode("b", "1", "1Gi", withLabels("zone", "z1")),
		makeNode("c", "1", "1Gi", withLabels("zone", "z2")),
		makeNode("nozone", "1", "1Gi"),
	}
	tests := []struct {
		name     string
		existing []*v1.Pod
		pod      *v1.Pod
		wantFit  []string
		reasons  map[string]string
	}{
		{
			name:     "affinity to a zone with a matching pod",
			existing: []*v1.Pod{makePod("db", podLabels("app", "db"), onNode("a"))},
			pod:      makePod("web", requiredAffinity(podAffinityTerm("zone", "app", "db"))),
			wantFit:  []string{"a", "b"},
			reasons:  map[string]string{"c": ErrReasonAffinityRulesNotMatch, "nozone": ErrReasonAffinityRulesNotMatch},
		},
		{
			name:    "first pod of a self-affine group goes anywhere with the key",
			pod:     makePod("web", podLabels("app", "web"), requiredAffinity(podAffinityTerm("zone", "app", "web"))),
			wantFit: []string{"a", "b", "c"},
		},
		{
			name:     "anti-affinity per host",
			existing: []*v1.Pod{makePod("w1", podLabels("app", "web"), onNode("a"))},
			pod:      makePod("w2", podLabels("app", "web"), requiredAnti(podAffinityTerm(v1.LabelHostname, "app", "web"))),
			wantFit:  []string{"b", "c", "nozone"},
			reasons:  map[string]string{"a": ErrReasonAntiAffinityRulesNotMatch},
		},
		{
			name:     "anti-affinity per zone",
			existing: []*v1.Pod{makePod("w1", podLabels("app", "web"), onNode("a"))},
			pod:      makePod("w2", podLabels("app", "web"), requiredAnti(podAffinityTerm("zone", "app", "web"))),
			wantFit:  []string{"c", "nozone"},
			reasons:  map[string]string{"a": ErrReasonAntiAffinityRulesNotMatch, "b": ErrReasonAntiAffinityRulesNotMatch},
		},
		{
			name:     "existing pod's anti-affinity",
			existing: []*v1.Pod{makePod("lonely", podLabels("app", "lonely"), requiredAnti(podAffinityTerm("zone", "app", "web")), onNode("c"))},
			pod:      makePod("w", podLabels("app", "web")),
			wantFit:  []string{"a", "b", "nozone"},
			reasons:  map[string]string{"c": ErrReasonExistingAntiAffinityRulesNotMatch},
		},
		{
			name:     "other namespaces do not count",
			existing: []*v1.Pod{makePod("w1", podLabels("app", "web"), onNode("a"), func(p *v1.Pod) { p.Namespace = "other" })},
			pod:      makePod("w2", podLabels("app", "web"), requiredAnti(podAffinityTerm(v1.LabelHostname, "app", "web"))),
			wantFit:  []string{"a", "b", "c", "nozone"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit, rejected := filterAll(t, tc.existing, zones, tc.pod)
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

func TestInterPodAffinityScore(t *testing.T) {
	nodes := []*v1.Node{
		makeNode("a", "1", "1Gi", withLabels("zone", "z1")),
		makeNode("b", "1", "1Gi", withLabels("zone", "z2")),
		makeNode("c", "1", "1Gi", withLabels("zone", "z3")),
	}
	existing := []*v1.Pod{
		makePod("cache", podLabels("app", "cache"), onNode("a")),
		makePod("noisy", podLabels("app", "noisy"), onNode("b")),
	}
	pod := makePod("web", func(p *v1.Pod) {
		p.Spec.Affinity = &v1.Affinity{
			PodAffinity:     &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 10, PodAffinityTerm: podAffinityTerm("zone", "app", "cache")}}},
			PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 10, PodAffinityTerm: podAffinityTerm("zone", "app", "noisy")}}},
		}
	})
	got := scoreOf(t, InterPodAffinityName, existing, nodes, pod)
	if want := map[string]int64{"a": 100, "b": 0, "c": 50}; !reflect.DeepEqual(got, want) {
		t.Errorf("scores = %v, want %v", got, want)
	}
}
