package plugins

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// referencePreScore is PreScore without the cache: every pod of every
// node against every term.
func referencePreScore(snap *framework.Snapshot, pod *v1.Pod) map[string]map[string]int64 {
	pi := framework.NewPodInfo(pod)
	s := &affinityScoreState{scores: map[string]map[string]int64{}}
	for _, ni := range snap.NodeInfoList {
		node := ni.Node()
		for _, ex := range ni.Pods {
			for _, t := range pi.PreferredAff {
				if t.Matches(ex.Pod, snap.NamespaceLabels) {
					s.add(node, t.TopologyKey, int64(t.Weight))
				}
			}
			for _, t := range pi.PreferredAnti {
				if t.Matches(ex.Pod, snap.NamespaceLabels) {
					s.add(node, t.TopologyKey, -int64(t.Weight))
				}
			}
			for _, t := range ex.RequiredAffinity {
				if t.Matches(pod, snap.NamespaceLabels) {
					s.add(node, t.TopologyKey, hardPodAffinityWeight)
				}
			}
			for _, t := range ex.PreferredAff {
				if t.Matches(pod, snap.NamespaceLabels) {
					s.add(node, t.TopologyKey, int64(t.Weight))
				}
			}
			for _, t := range ex.PreferredAnti {
				if t.Matches(pod, snap.NamespaceLabels) {
					s.add(node, t.TopologyKey, -int64(t.Weight))
				}
			}
		}
	}
	return s.scores
}

// sameScores compares score maps, a zero entry counting as absent.
func sameScores(a, b map[string]map[string]int64) bool {
	covered := func(x, y map[string]map[string]int64) bool {
		for k, byValue := range x {
			for v, n := range byValue {
				if n != 0 && y[k][v] != n {
					return false
				}
			}
		}
		return true
	}
	return covered(a, b) && covered(b, a)
}

// The cached PreScore gives what matching every pod gives, while pods
// come and go on a snapshot that is copied on write, as the scheduler's.
func TestInterPodAffinityPreScoreCache(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var nodes []*v1.Node
	for i := range 30 {
		nodes = append(nodes, makeNode(fmt.Sprintf("n%d", i), "64", "256Gi", withLabels("zone", fmt.Sprintf("z%d", i%4))))
	}
	nodes = append(nodes, makeNode("nozone", "64", "256Gi"))
	fw := newTestFramework(t, nil, nodes)
	fw.Snapshot().NamespaceLabels = func(ns string) labels.Set {
		return map[string]string{"team": ns}
	}
	pl := &InterPodAffinity{h: fw, cache: newPreScoreCache()}

	apps := []string{"a", "b", "c"}
	newPod := func(i int) *v1.Pod {
		app := apps[rng.IntN(len(apps))]
		other := apps[rng.IntN(len(apps))]
		ns := []string{"default", "other"}[rng.IntN(2)]
		key := []string{v1.LabelHostname, "zone"}[rng.IntN(2)]
		p := makePod(fmt.Sprintf("p%d", i), podLabels("app", app))
		p.Namespace = ns
		aff := &v1.Affinity{}
		switch rng.IntN(5) {
		case 0: // no terms
		case 1:
			aff.PodAntiAffinity = &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{
				{Weight: 100, PodAffinityTerm: podAffinityTerm(key, "app", app)}}}
		case 2:
			aff.PodAffinity = &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{
				{Weight: 7, PodAffinityTerm: podAffinityTerm(key, "app", other)}}}
		case 3:
			aff.PodAffinity = &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{podAffinityTerm(key, "app", other)}}
		case 4: // a namespace selector: matches depend on namespace labels
			term := podAffinityTerm(key, "app", other)
			term.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "other"}}
			aff.PodAntiAffinity = &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{
				{Weight: 3, PodAffinityTerm: term}}}
		}
		if aff.PodAffinity != nil || aff.PodAntiAffinity != nil {
			p.Spec.Affinity = aff
		}
		return p
	}

	var placed []*v1.Pod
	ctx := context.Background()
	for i := range 400 {
		snap := fw.Snapshot()
		if i == 200 {
			// Namespace labels change without any node changing.
			snap.NamespaceLabels = func(ns string) labels.Set {
				if ns == "default" {
					return labels.Set{"team": "other"}
				}
				return labels.Set{"team": "default"}
			}
		}
		pod := newPod(i)
		state := framework.NewCycleState()
		st := pl.PreScore(ctx, state, pod, snap.NodeInfoList)
		var got map[string]map[string]int64
		if st.IsSuccess() {
			d, err := state.Read(interPodAffinityScoreKey)
			if err != nil {
				t.Fatal(err)
			}
			got = d.(*affinityScoreState).scores
		} else if !st.IsSkip() {
			t.Fatalf("pod %d: %v", i, st.AsError())
		}
		if want := referencePreScore(snap, pod); !sameScores(got, want) {
			t.Fatalf("pod %d (%s/%v, %+v): got %v, want %v", i, pod.Namespace, pod.Labels, pod.Spec.Affinity, got, want)
		}
		// Place the pod on a random node, and now and then take one away.
		pod.Spec.NodeName = nodes[rng.IntN(len(nodes))].Name
		if err := snap.AssumePod(pod); err != nil {
			t.Fatal(err)
		}
		placed = append(placed, pod)
		if rng.IntN(4) == 0 {
			k := rng.IntN(len(placed))
			victim := placed[k]
			placed = append(placed[:k], placed[k+1:]...)
			ni, err := snap.Get(victim.Spec.NodeName)
			if err != nil {
				t.Fatal(err)
			}
			c := ni.Clone()
			if err := c.RemovePod(victim); err != nil {
				t.Fatal(err)
			}
			snap.ReplaceNode(c)
			snap.RefreshPods()
		}
	}
}
