package plugins

import (
	"context"
	"maps"
	"slices"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// InterPodAffinityName is the plugin's name.
const InterPodAffinityName = "InterPodAffinity"

// Upstream's reasons.
const (
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
	ErrReasonAffinityRulesNotMatch             = "node(s) didn't match pod affinity rules"
	ErrReasonAntiAffinityRulesNotMatch         = "node(s) didn't match pod anti-affinity rules"
)

// hardPodAffinityWeight is what an existing pod's required affinity term
// matching the incoming pod adds to a topology's score (upstream default).
const hardPodAffinityWeight = 1

const (
	interPodAffinityFilterKey = "PreFilter" + InterPodAffinityName
	interPodAffinityScoreKey  = "PreScore" + InterPodAffinityName
)

// InterPodAffinity enforces required pod affinity and anti-affinity (the
// incoming pod's and the existing pods' anti-affinity) per topology
// domain, and scores preferred terms both ways.
type InterPodAffinity struct {
	h     framework.Handle
	cache *preScoreCache
}

var (
	_ framework.PreFilterPlugin = (*InterPodAffinity)(nil)
	_ framework.FilterPlugin    = (*InterPodAffinity)(nil)
	_ framework.PreScorePlugin  = (*InterPodAffinity)(nil)
	_ framework.ScorePlugin     = (*InterPodAffinity)(nil)
)

// NewInterPodAffinity builds the plugin.
func NewInterPodAffinity(h framework.Handle) (framework.Plugin, error) {
	return &InterPodAffinity{h: h, cache: newPreScoreCache()}, nil
}

// Name returns the plugin name.
func (*InterPodAffinity) Name() string { return InterPodAffinityName }

type topologyPair struct {
	key, value string
}

type topologyCounts map[topologyPair]int64

type interPodAffinityState struct {
	pod          *framework.PodInfo
	existingAnti topologyCounts
	// existingAntiKeys are the distinct topology keys of existingAnti.
	existingAntiKeys []string
	affinity         topologyCounts
	anti             topologyCounts
}

// Clone copies the counts, which preemption's dry runs change.
func (s *interPodAffinityState) Clone() framework.StateData {
	c := *s
	c.existingAnti = maps.Clone(s.existingAnti)
	c.existingAntiKeys = slices.Clone(s.existingAntiKeys)
	c.affinity = maps.Clone(s.affinity)
	c.anti = maps.Clone(s.anti)
	return &c
}

// PreFilterExtensions keeps the counts right in preemption's dry runs.
func (p *InterPodAffinity) PreFilterExtensions() framework.PreFilterExtensions { return p }

// AddPod counts toAdd on nodeInfo.
func (p *InterPodAffinity) AddPod(_ context.Context, state *framework.CycleState, pod *v1.Pod, toAdd *framework.PodInfo, ni *framework.NodeInfo) *framework.Status {
	return p.updateCounts(state, pod, toAdd, ni, 1)
}

// RemovePod uncounts toRemove from nodeInfo.
func (p *InterPodAffinity) RemovePod(_ context.Context, state *framework.CycleState, pod *v1.Pod, toRemove *framework.PodInfo, ni *framework.NodeInfo) *framework.Status {
	return p.updateCounts(state, pod, toRemove, ni, -1)
}

func (p *InterPodAffinity) updateCounts(state *framework.CycleState, pod *v1.Pod, other *framework.PodInfo, ni *framework.NodeInfo, delta int64) *framework.Status {
	d, err := state.Read(interPodAffinityFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*interPodAffinityState)
	node := ni.Node()
	nsLabels := p.h.Snapshot().NamespaceLabels
	for i := range other.RequiredAnti {
		t := &other.RequiredAnti[i]
		if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(pod, nsLabels) {
			s.existingAnti[topologyPair{t.TopologyKey, v}] += delta
			if !slices.Contains(s.existingAntiKeys, t.TopologyKey) {
				s.existingAntiKeys = append(s.existingAntiKeys, t.TopologyKey)
			}
		}
	}
	if matchesAllTerms(s.pod.RequiredAffinity, other.Pod, nsLabels) {
		for _, t := range s.pod.RequiredAffinity {
			if v, ok := node.Labels[t.TopologyKey]; ok {
				s.affinity[topologyPair{t.TopologyKey, v}] += delta
			}
		}
	}
	for i := range s.pod.RequiredAnti {
		t := &s.pod.RequiredAnti[i]
		if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(other.Pod, nsLabels) {
			s.anti[topologyPair{t.TopologyKey, v}] += delta
		}
	}
	// A zero count must not keep the "some pod matches" meaning of a
	// present key for the first-pod-of-a-group rule.
	for k, n := range s.affinity {
		if n <= 0 {
			delete(s.affinity, k)
		}
	}
	return nil
}

// PreFilter counts, per topology domain, the existing pods the incoming
// pod's required terms select, and the existing pods whose anti-affinity
// selects the incoming pod.
func (p *InterPodAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	snap := p.h.Snapshot()
	pi := framework.NewPodAffinityInfo(pod)
	if pi.ParseError != nil {
		return framework.AsStatus(pi.ParseError)
	}
	s := &interPodAffinityState{pod: pi, existingAnti: topologyCounts{}, affinity: topologyCounts{}, anti: topologyCounts{}}
	for _, ni := range snap.HavePodsWithRequiredAntiAffinity {
		node := ni.Node()
		for _, existing := range ni.PodsWithRequiredAntiAffinity {
			for i := range existing.RequiredAnti {
				t := &existing.RequiredAnti[i]
				if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(pod, snap.NamespaceLabels) {
					s.existingAnti[topologyPair{t.TopologyKey, v}]++
				}
			}
		}
	}
	if len(pi.RequiredAffinity) > 0 || len(pi.RequiredAnti) > 0 {
		for _, ni := range snap.NodeInfoList {
			node := ni.Node()
			for _, existing := range ni.Pods {
				if matchesAllTerms(pi.RequiredAffinity, existing.Pod, snap.NamespaceLabels) {
					for _, t := range pi.RequiredAffinity {
						if v, ok := node.Labels[t.TopologyKey]; ok {
							s.affinity[topologyPair{t.TopologyKey, v}]++
						}
					}
				}
				for i := range pi.RequiredAnti {
					t := &pi.RequiredAnti[i]
					if v, ok := node.Labels[t.TopologyKey]; ok && t.Matches(existing.Pod, snap.NamespaceLabels) {
						s.anti[topologyPair{t.TopologyKey, v}]++
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for pair := range s.existingAnti {
		if !seen[pair.key] {
			seen[pair.key] = true
			s.existingAntiKeys = append(s.existingAntiKeys, pair.key)
		}
	}
	if len(s.existingAnti) == 0 && len(pi.RequiredAffinity) == 0 && len(pi.RequiredAnti) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(interPodAffinityFilterKey, s)
	return nil
}

func matchesAllTerms(terms []framework.AffinityTerm, pod *v1.Pod, nsLabels framework.NamespaceLabels) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].Matches(pod, nsLabels) {
			return false
		}
	}
	return true
}

// Filter applies the counts of PreFilter to the node's domains.
func (p *InterPodAffinity) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	d, err := state.Read(interPodAffinityFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*interPodAffinityState)
	labels := ni.Node().Labels
	// Upstream's order: the pod's affinity, its anti-affinity, then the
	// existing pods' anti-affinity.
	if !p.satisfiesAffinity(s, pod, labels) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	}
	for _, t := range s.pod.RequiredAnti {
		if v, ok := labels[t.TopologyKey]; ok && s.anti[topologyPair{t.TopologyKey, v}] > 0 {
			return framework.NewStatus(framework.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
		}
	}
	for _, key := range s.existingAntiKeys {
		if v, ok := labels[key]; ok && s.existingAnti[topologyPair{key, v}] > 0 {
			return framework.NewStatus(framework.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
		}
	}
	return nil
}

func (p *InterPodAffinity) satisfiesAffinity(s *interPodAffinityState, pod *v1.Pod, labels map[string]string) bool {
	if len(s.pod.RequiredAffinity) == 0 {
		return true
	}
	allFound := true
	for _, t := range s.pod.RequiredAffinity {
		v, ok := labels[t.TopologyKey]
		if !ok {
			return false
		}
		if s.affinity[topologyPair{t.TopologyKey, v}] <= 0 {
			allFound = false
		}
	}
	if allFound {
		return true
	}
	// The first pod of a group that selects itself may go anywhere its
	// topology keys exist.
	return len(s.affinity) == 0 && matchesAllTerms(s.pod.RequiredAffinity, pod, p.h.Snapshot().NamespaceLabels)
}

type affinityScoreState struct {
	scores map[string]map[string]int64 // topology key → value → score
}

func (s *affinityScoreState) Clone() framework.StateData { return s }

func (s *affinityScoreState) add(node *v1.Node, key string, w int64) {
	v, ok := node.Labels[key]
	if !ok || w == 0 {
		return
	}
	if s.scores[key] == nil {
		s.scores[key] = map[string]int64{}
	}
	s.scores[key][v] += w
}

// PreScore sums, per topology domain, the weights of the preferred terms
// (the incoming pod's and the existing pods') that match. Per-node
// results carry over from pod to pod in the cache.
func (p *InterPodAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	snap := p.h.Snapshot()
	pi := framework.NewPodAffinityInfo(pod)
	if pi.ParseError != nil {
		return framework.AsStatus(pi.ParseError)
	}
	hasOwn := len(pi.PreferredAff)+len(pi.PreferredAnti) > 0
	if !hasOwn && len(snap.HavePodsWithAffinity) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &affinityScoreState{scores: map[string]map[string]int64{}}
	nodes := snap.NodeInfoList
	own := func(t *framework.AffinityTerm, w int64) {
		for i, n := range p.cache.countMatches(t, nodes, snap.NamespaceLabels) {
			if n > 0 {
				s.add(nodes[i].Node(), t.TopologyKey, w*n)
			}
		}
	}
	for i := range pi.PreferredAff {
		own(&pi.PreferredAff[i].AffinityTerm, int64(pi.PreferredAff[i].Weight))
	}
	for i := range pi.PreferredAnti {
		own(&pi.PreferredAnti[i].AffinityTerm, -int64(pi.PreferredAnti[i].Weight))
	}
	if len(snap.HavePodsWithAffinity) > 0 {
		for i, kws := range p.cache.existingTerms(pod, nodes, snap.NamespaceLabels) {
			for _, kw := range kws {
				s.add(nodes[i].Node(), kw.key, kw.weight)
			}
		}
	}
	if len(s.scores) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(interPodAffinityScoreKey, s)
	return nil
}

// Score sums the scores of the node's domains.
func (p *InterPodAffinity) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(interPodAffinityScoreKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	s := d.(*affinityScoreState)
	var total int64
	for key, byValue := range s.scores {
		if v, ok := ni.Node().Labels[key]; ok {
			total += byValue[v]
		}
	}
	return total, nil
}

// ScoreExtensions maps [min, max] onto [0, 100].
func (p *InterPodAffinity) ScoreExtensions() framework.ScoreExtensions { return p }

// NormalizeScore maps [min, max] onto [0, 100].
func (p *InterPodAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	minMaxNormalize(scores)
	return nil
}
