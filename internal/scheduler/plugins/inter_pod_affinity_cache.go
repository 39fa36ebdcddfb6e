package plugins

import (
	"slices"
	"strings"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// maxCachedSignatures bounds each map of the PreScore cache; past it the
// map starts over.
const maxCachedSignatures = 128

// preScoreCache remembers per-node results of InterPodAffinity's PreScore
// between pods, so that scoring preferred (anti-)affinity does not match
// every pod in the cluster for every pod scheduled: pods of one workload
// share their terms and labels, and between two of them only the nodes
// that changed need another look.
//
// Results are kept per node by NodeInfo pointer. A snapshot never changes
// a NodeInfo in place: a node whose pods change gets a new NodeInfo (the
// scheduler cache and Snapshot.AssumePod copy on write), so a pointer
// that is still in the snapshot still holds the same pods.
type preScoreCache struct {
	mu sync.Mutex
	// own: how many pods of each node an incoming pod's term selects, by
	// term signature.
	own map[string]*nodeCounts
	// existing: what the existing pods' terms of each node add to the
	// score of an incoming pod, by the incoming pod's signature
	// (namespace and labels: all the terms can see of it).
	existing map[string]*nodeContributions
}

func newPreScoreCache() *preScoreCache {
	return &preScoreCache{own: map[string]*nodeCounts{}, existing: map[string]*nodeContributions{}}
}

type nodeCounts struct {
	nodes  []*framework.NodeInfo
	counts []int64
}

// keyWeight is one topology key's share of a node's score.
type keyWeight struct {
	key    string
	weight int64
}

type nodeContributions struct {
	nodes   []*framework.NodeInfo
	contrib [][]keyWeight
	// cacheable is false for nodes whose terms use a namespace selector:
	// namespace labels change without the node changing.
	cacheable []bool
}

// termSignature identifies what a term selects; ok is false for a term
// with a namespace selector, whose matches depend on namespace labels.
func termSignature(t *framework.AffinityTerm) (string, bool) {
	if t.NamespaceSelector != nil {
		return "", false
	}
	ns := t.Namespaces.UnsortedList()
	slices.Sort(ns)
	return strings.Join(ns, ",") + "|" + t.Selector.String(), true
}

func podSignature(pod *v1.Pod) string {
	return pod.Namespace + "|" + labels.Set(pod.Labels).String()
}

// countMatches returns, for each node of the list, how many of its pods t
// selects. The slice is the cache's: it is valid until the next call
// (scheduling cycles run one at a time).
func (c *preScoreCache) countMatches(t *framework.AffinityTerm, nodes []*framework.NodeInfo, nsLabels framework.NamespaceLabels) []int64 {
	count := func(ni *framework.NodeInfo) int64 {
		var n int64
		for _, ex := range ni.Pods {
			if t.Matches(ex.Pod, nsLabels) {
				n++
			}
		}
		return n
	}
	sig, ok := termSignature(t)
	if !ok {
		out := make([]int64, len(nodes))
		for i, ni := range nodes {
			out[i] = count(ni)
		}
		return out
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.own[sig]
	if e == nil {
		if len(c.own) >= maxCachedSignatures {
			clear(c.own)
		}
		e = &nodeCounts{}
		c.own[sig] = e
	}
	if len(e.nodes) != len(nodes) {
		e.nodes = make([]*framework.NodeInfo, len(nodes))
		e.counts = make([]int64, len(nodes))
	}
	for i, ni := range nodes {
		if e.nodes[i] != ni {
			e.nodes[i] = ni
			e.counts[i] = count(ni)
		}
	}
	return e.counts
}

// existingTerms returns, for each node of the list, what its pods' terms
// add to pod's score per topology key. The slice is the cache's: it is
// valid until the next call.
func (c *preScoreCache) existingTerms(pod *v1.Pod, nodes []*framework.NodeInfo, nsLabels framework.NamespaceLabels) [][]keyWeight {
	c.mu.Lock()
	defer c.mu.Unlock()
	sig := podSignature(pod)
	e := c.existing[sig]
	if e == nil {
		if len(c.existing) >= maxCachedSignatures {
			clear(c.existing)
		}
		e = &nodeContributions{}
		c.existing[sig] = e
	}
	if len(e.nodes) != len(nodes) {
		e.nodes = make([]*framework.NodeInfo, len(nodes))
		e.contrib = make([][]keyWeight, len(nodes))
		e.cacheable = make([]bool, len(nodes))
	}
	for i, ni := range nodes {
		if e.nodes[i] == ni && e.cacheable[i] {
			continue
		}
		e.nodes[i] = ni
		e.contrib[i], e.cacheable[i] = existingContributions(pod, ni, nsLabels)
	}
	return e.contrib
}

// existingContributions sums, per topology key, the weights of the terms
// of ni's pods that select pod: required affinity counts
// hardPodAffinityWeight, preferred affinity its weight, preferred
// anti-affinity minus its weight.
func existingContributions(pod *v1.Pod, ni *framework.NodeInfo, nsLabels framework.NamespaceLabels) ([]keyWeight, bool) {
	var out []keyWeight
	cacheable := true
	add := func(t *framework.AffinityTerm, w int64) {
		if t.NamespaceSelector != nil {
			cacheable = false
		}
		if !t.Matches(pod, nsLabels) {
			return
		}
		for i := range out {
			if out[i].key == t.TopologyKey {
				out[i].weight += w
				return
			}
		}
		out = append(out, keyWeight{t.TopologyKey, w})
	}
	for _, ex := range ni.PodsWithAffinity {
		for i := range ex.RequiredAffinity {
			add(&ex.RequiredAffinity[i], hardPodAffinityWeight)
		}
		for i := range ex.PreferredAff {
			add(&ex.PreferredAff[i].AffinityTerm, int64(ex.PreferredAff[i].Weight))
		}
		for i := range ex.PreferredAnti {
			add(&ex.PreferredAnti[i].AffinityTerm, -int64(ex.PreferredAnti[i].Weight))
		}
	}
	return out, cacheable
}
