package plugins

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// PodTopologySpreadName is the plugin's name.
const PodTopologySpreadName = "PodTopologySpread"

// Upstream's reasons.
const (
	ErrReasonTopologySpread             = "node(s) didn't match pod topology spread constraints"
	ErrReasonTopologySpreadMissingLabel = "node(s) didn't match pod topology spread constraints (missing required label)"
)

const (
	spreadFilterKey = "PreFilter" + PodTopologySpreadName
	spreadScoreKey  = "PreScore" + PodTopologySpreadName
)

// PodTopologySpread enforces DoNotSchedule topology spread constraints
// (maxSkew, minDomains, node inclusion policies, matchLabelKeys) and
// scores ScheduleAnyway ones.
type PodTopologySpread struct {
	h framework.Handle
}

var (
	_ framework.PreFilterPlugin = (*PodTopologySpread)(nil)
	_ framework.FilterPlugin    = (*PodTopologySpread)(nil)
	_ framework.PreScorePlugin  = (*PodTopologySpread)(nil)
	_ framework.ScorePlugin     = (*PodTopologySpread)(nil)
)

// NewPodTopologySpread builds the plugin.
func NewPodTopologySpread(h framework.Handle) (framework.Plugin, error) {
	return &PodTopologySpread{h: h}, nil
}

// Name returns the plugin name.
func (*PodTopologySpread) Name() string { return PodTopologySpreadName }

type spreadConstraint struct {
	maxSkew       int32
	topologyKey   string
	selector      labels.Selector
	minDomains    int32
	honorAffinity bool
	honorTaints   bool
}

func podConstraints(pod *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]spreadConstraint, error) {
	var out []spreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("topology spread constraint selector: %w", err)
		}
		if c.LabelSelector == nil {
			sel = labels.Nothing()
		}
		for _, key := range c.MatchLabelKeys {
			if v, ok := pod.Labels[key]; ok {
				r, err := labels.NewRequirement(key, selection.Equals, []string{v})
				if err != nil {
					return nil, fmt.Errorf("matchLabelKeys: %w", err)
				}
				sel = sel.Add(*r)
			}
		}
		sc := spreadConstraint{
			maxSkew:       c.MaxSkew,
			topologyKey:   c.TopologyKey,
			selector:      sel,
			minDomains:    1,
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == v1.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor,
		}
		if c.MinDomains != nil {
			sc.minDomains = *c.MinDomains
		}
		out = append(out, sc)
	}
	return out, nil
}

// domainValues fills values with the node's value of each constraint's
// topology key; false when the node lacks one of the keys.
func domainValues(node *v1.Node, cs []spreadConstraint, values []string) bool {
	for i, c := range cs {
		v, ok := node.Labels[c.topologyKey]
		if !ok {
			return false
		}
		values[i] = v
	}
	return true
}

func hasAllKeys(node *v1.Node, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.topologyKey]; !ok {
			return false
		}
	}
	return true
}

// counted reports whether the node's pods count for constraint c of pod.
func counted(c spreadConstraint, pod *v1.Pod, req nodeaffinity.RequiredNodeAffinity, node *v1.Node) bool {
	if c.honorAffinity {
		if ok, _ := req.Match(node); !ok {
			return false
		}
	}
	if c.honorTaints {
		_, untolerated := v1helper.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations, func(t *v1.Taint) bool {
			return t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute
		}, false)
		if untolerated {
			return false
		}
	}
	return true
}

// countMatching counts the pods of ni in namespace ns that sel selects,
// leaving out terminating ones.
func countMatching(ni *framework.NodeInfo, ns string, sel labels.Selector) int64 {
	var n int64
	for _, pi := range ni.Pods {
		p := pi.Pod
		if p.Namespace == ns && p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}

type spreadFilterState struct {
	constraints []spreadConstraint
	counts      map[topologyPair]int64
	// minMatch per constraint index (0 when fewer domains than minDomains).
	minMatch []int64
}

// Clone copies the counts, which preemption's dry runs change.
func (s *spreadFilterState) Clone() framework.StateData {
	c := *s
	c.counts = maps.Clone(s.counts)
	c.minMatch = slices.Clone(s.minMatch)
	return &c
}

// updateMin recomputes the lowest count per constraint.
func (s *spreadFilterState) updateMin() {
	for i, c := range s.constraints {
		domains := 0
		lowest := int64(math.MaxInt64)
		for pair, n := range s.counts {
			if pair.key != c.topologyKey {
				continue
			}
			domains++
			lowest = min(lowest, n)
		}
		if domains < int(c.minDomains) || domains == 0 {
			lowest = 0
		}
		s.minMatch[i] = lowest
	}
}

// PreFilterExtensions keeps the counts right in preemption's dry runs.
func (p *PodTopologySpread) PreFilterExtensions() framework.PreFilterExtensions { return p }

// AddPod counts toAdd on nodeInfo.
func (p *PodTopologySpread) AddPod(_ context.Context, state *framework.CycleState, pod *v1.Pod, toAdd *framework.PodInfo, ni *framework.NodeInfo) *framework.Status {
	return p.updateCounts(state, pod, toAdd.Pod, ni, 1)
}

// RemovePod uncounts toRemove from nodeInfo.
func (p *PodTopologySpread) RemovePod(_ context.Context, state *framework.CycleState, pod *v1.Pod, toRemove *framework.PodInfo, ni *framework.NodeInfo) *framework.Status {
	return p.updateCounts(state, pod, toRemove.Pod, ni, -1)
}

func (p *PodTopologySpread) updateCounts(state *framework.CycleState, pod, other *v1.Pod, ni *framework.NodeInfo, delta int64) *framework.Status {
	d, err := state.Read(spreadFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*spreadFilterState)
	node := ni.Node()
	if other.Namespace != pod.Namespace || !hasAllKeys(node, s.constraints) {
		return nil
	}
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	for _, c := range s.constraints {
		if !counted(c, pod, req, node) || !c.selector.Matches(labels.Set(other.Labels)) {
			continue
		}
		s.counts[topologyPair{c.topologyKey, node.Labels[c.topologyKey]}] += delta
	}
	s.updateMin()
	return nil
}

// PreFilter counts the matching pods per domain of every hard constraint.
func (p *PodTopologySpread) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	cs, err := podConstraints(pod, v1.DoNotSchedule)
	if err != nil {
		return framework.AsStatus(err)
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	s := &spreadFilterState{constraints: cs, counts: map[topologyPair]int64{}, minMatch: make([]int64, len(cs))}
	// This walks every node on every cycle: one label lookup per node and
	// constraint, and counts per domain value, merged into s.counts at the
	// end (a handful of domains).
	values := make([]string, len(cs))
	perDomain := make([]map[string]int64, len(cs))
	for i := range perDomain {
		perDomain[i] = map[string]int64{}
	}
	for _, ni := range p.h.Snapshot().NodeInfoList {
		node := ni.Node()
		if !domainValues(node, cs, values) {
			continue
		}
		for i, c := range cs {
			if !counted(c, pod, req, node) {
				continue
			}
			var n int64
			if len(ni.Pods) > 0 {
				n = countMatching(ni, pod.Namespace, c.selector)
			}
			perDomain[i][values[i]] += n
		}
	}
	for i, c := range cs {
		for value, n := range perDomain[i] {
			s.counts[topologyPair{c.topologyKey, value}] += n
		}
	}
	s.updateMin()
	state.Write(spreadFilterKey, s)
	return nil
}

// Filter rejects the node when placing the pod there would exceed maxSkew.
func (p *PodTopologySpread) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, ni *framework.NodeInfo) *framework.Status {
	d, err := state.Read(spreadFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*spreadFilterState)
	node := ni.Node()
	for i, c := range s.constraints {
		v, ok := node.Labels[c.topologyKey]
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonTopologySpreadMissingLabel)
		}
		var self int64
		if c.selector.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		skew := s.counts[topologyPair{c.topologyKey, v}] + self - s.minMatch[i]
		if skew > int64(c.maxSkew) {
			return framework.NewStatus(framework.Unschedulable, ErrReasonTopologySpread)
		}
	}
	return nil
}

type spreadScoreState struct {
	constraints []spreadConstraint
	counts      map[topologyPair]int64
	weights     []float64
	ignored     map[string]bool
}

func (s *spreadScoreState) Clone() framework.StateData { return s }

// PreScore counts matching pods per domain of the soft constraints, for
// the domains of the feasible nodes.
func (p *PodTopologySpread) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, nodes []*framework.NodeInfo) *framework.Status {
	cs, err := podConstraints(pod, v1.ScheduleAnyway)
	if err != nil {
		return framework.AsStatus(err)
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &spreadScoreState{constraints: cs, counts: map[topologyPair]int64{}, weights: make([]float64, len(cs)), ignored: map[string]bool{}}
	domains := make([]map[string]bool, len(cs))
	for i := range domains {
		domains[i] = map[string]bool{}
	}
	for _, ni := range nodes {
		node := ni.Node()
		if !hasAllKeys(node, cs) {
			s.ignored[node.Name] = true
			continue
		}
		for i, c := range cs {
			v := node.Labels[c.topologyKey]
			domains[i][v] = true
			s.counts[topologyPair{c.topologyKey, v}] = 0
		}
	}
	for i := range cs {
		s.weights[i] = math.Log(float64(len(domains[i]) + 2))
	}
	req := nodeaffinity.GetRequiredNodeAffinity(pod)
	for _, ni := range p.h.Snapshot().NodeInfoList {
		node := ni.Node()
		if !hasAllKeys(node, cs) {
			continue
		}
		for _, c := range cs {
			pair := topologyPair{c.topologyKey, node.Labels[c.topologyKey]}
			if _, tracked := s.counts[pair]; !tracked || !counted(c, pod, req, node) {
				continue
			}
			s.counts[pair] += countMatching(ni, pod.Namespace, c.selector)
		}
	}
	state.Write(spreadScoreKey, s)
	return nil
}

// Score is the weighted count of matching pods in the node's domains
// (lower is better; NormalizeScore reverses it).
func (p *PodTopologySpread) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(spreadScoreKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	s := d.(*spreadScoreState)
	node := ni.Node()
	if s.ignored[node.Name] {
		return 0, nil
	}
	var score float64
	for i, c := range s.constraints {
		n := s.counts[topologyPair{c.topologyKey, node.Labels[c.topologyKey]}]
		score += float64(n)*s.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score)), nil
}

// ScoreExtensions reverses the raw scores onto [0, 100].
func (p *PodTopologySpread) ScoreExtensions() framework.ScoreExtensions { return p }

// NormalizeScore gives the least crowded nodes 100; ignored nodes get 0.
func (p *PodTopologySpread) NormalizeScore(_ context.Context, state *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	d, err := state.Read(spreadScoreKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*spreadScoreState)
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, sc := range scores {
		if s.ignored[sc.Name] {
			continue
		}
		lo = min(lo, sc.Score)
		hi = max(hi, sc.Score)
	}
	for i := range scores {
		switch {
		case s.ignored[scores[i].Name]:
			scores[i].Score = 0
		case hi == 0:
			scores[i].Score = framework.MaxNodeScore
		default:
			scores[i].Score = framework.MaxNodeScore * (hi + lo - scores[i].Score) / hi
		}
	}
	return nil
}
