package nodelifecycle

import (
	"maps"
	"slices"
	"sync"

	v1 "k8s.io/api/core/v1"
)

// zoneState is a zone's health as upstream names it.
type zoneState string

const (
	stateNormal            zoneState = "Normal"
	statePartialDisruption zoneState = "PartialDisruption"
	stateFullDisruption    zoneState = "FullDisruption"
)

// zoneOf is the node's zone key: region and zone labels (the GA ones, else
// the deprecated beta ones); nodes without them share the empty zone.
func zoneOf(node *v1.Node) string {
	region := node.Labels[v1.LabelTopologyRegion]
	if region == "" {
		region = node.Labels[v1.LabelFailureDomainBetaRegion]
	}
	zone := node.Labels[v1.LabelTopologyZone]
	if zone == "" {
		zone = node.Labels[v1.LabelFailureDomainBetaZone]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// zoneStates classifies every zone: FullDisruption when none of its nodes
// is ready, PartialDisruption when more than two and at least
// unhealthyThreshold of them are not, Normal otherwise. It also returns
// how many nodes each zone has.
func zoneStates(nodes []*v1.Node, unhealthyThreshold float64) (map[string]zoneState, map[string]int) {
	ready := map[string]int{}
	notReady := map[string]int{}
	for _, n := range nodes {
		if e := zoneEntry(n); e.ready {
			ready[e.zone]++
		} else {
			notReady[e.zone]++
		}
	}
	return classifyZones(ready, notReady, unhealthyThreshold)
}

// classifyZones turns per-zone counts of ready and not-ready nodes into
// zone states and sizes.
func classifyZones(ready, notReady map[string]int, unhealthyThreshold float64) (map[string]zoneState, map[string]int) {
	states := map[string]zoneState{}
	sizes := map[string]int{}
	classify := func(z string) {
		if _, done := states[z]; done {
			return
		}
		r, nr := ready[z], notReady[z]
		if r+nr <= 0 {
			return
		}
		sizes[z] = r + nr
		switch {
		case r == 0 && nr > 0:
			states[z] = stateFullDisruption
		case nr > 2 && float64(nr)/float64(r+nr) >= unhealthyThreshold:
			states[z] = statePartialDisruption
		default:
			states[z] = stateNormal
		}
	}
	for z := range ready {
		classify(z)
	}
	for z := range notReady {
		classify(z)
	}
	return states, sizes
}

// nodeZone is what the zone tracker remembers of one node.
type nodeZone struct {
	zone  string
	ready bool
}

// zoneTracker keeps the ready and not-ready node counts per zone, updated
// from node events, so that a reconcile classifies the zones in O(zones)
// instead of walking every node (which made registering 5,000 nodes
// quadratic).
type zoneTracker struct {
	mu       sync.Mutex
	nodes    map[string]nodeZone
	ready    map[string]int
	notReady map[string]int
}

func newZoneTracker() *zoneTracker {
	return &zoneTracker{nodes: map[string]nodeZone{}, ready: map[string]int{}, notReady: map[string]int{}}
}

func zoneEntry(node *v1.Node) nodeZone {
	return nodeZone{zone: zoneOf(node), ready: readyStatus(node) == v1.ConditionTrue}
}

func (t *zoneTracker) countLocked(e nodeZone, delta int) {
	counts := t.notReady
	if e.ready {
		counts = t.ready
	}
	counts[e.zone] += delta
	if counts[e.zone] <= 0 {
		delete(counts, e.zone)
	}
}

// set records a node that was added or changed.
func (t *zoneTracker) set(node *v1.Node) {
	e := zoneEntry(node)
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.nodes[node.Name]; ok {
		if old == e {
			return
		}
		t.countLocked(old, -1)
	}
	t.nodes[node.Name] = e
	t.countLocked(e, 1)
}

// remove forgets a deleted node.
func (t *zoneTracker) remove(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.nodes[name]; ok {
		t.countLocked(old, -1)
		delete(t.nodes, name)
	}
}

// states classifies the zones as zoneStates does. When current is set it
// counts as that node's latest state: the informer may not have delivered
// the status the caller just wrote.
func (t *zoneTracker) states(unhealthyThreshold float64, current *v1.Node) (map[string]zoneState, map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ready, notReady := t.ready, t.notReady
	if current != nil {
		e := zoneEntry(current)
		if old, ok := t.nodes[current.Name]; !ok || old != e {
			ready, notReady = maps.Clone(t.ready), maps.Clone(t.notReady)
			bump := func(e nodeZone, delta int) {
				if e.ready {
					ready[e.zone] += delta
				} else {
					notReady[e.zone] += delta
				}
			}
			if ok {
				bump(old, -1)
			}
			bump(e, 1)
		}
	}
	return classifyZones(ready, notReady, unhealthyThreshold)
}

// allFullyDisrupted: no node anywhere is ready. Upstream then assumes the
// control plane, not the nodes, lost the network, and evicts nothing.
func allFullyDisrupted(states map[string]zoneState) bool {
	if len(states) == 0 {
		return false
	}
	for _, s := range states {
		if s != stateFullDisruption {
			return false
		}
	}
	return true
}

// evictionTaint reports whether t is a NoExecute taint this controller
// adds for taint-based eviction.
func evictionTaint(t v1.Taint) bool {
	return t.Effect == v1.TaintEffectNoExecute && (t.Key == v1.TaintNodeNotReady || t.Key == v1.TaintNodeUnreachable)
}

// withoutEvictionTaints drops the eviction taints from desired.
func withoutEvictionTaints(desired []v1.Taint) []v1.Taint {
	return slices.DeleteFunc(slices.Clone(desired), evictionTaint)
}

// withoutNewEvictionTaints drops from desired the eviction taints current
// does not have yet: existing ones stay, none is added.
func withoutNewEvictionTaints(desired, current []v1.Taint) []v1.Taint {
	return slices.DeleteFunc(slices.Clone(desired), func(t v1.Taint) bool {
		return evictionTaint(t) && !slices.ContainsFunc(current, func(c v1.Taint) bool { return c.Key == t.Key && c.Effect == t.Effect })
	})
}

// addsEvictionTaint reports whether desired has an eviction taint current
// lacks.
func addsEvictionTaint(desired, current []v1.Taint) bool {
	return len(withoutNewEvictionTaints(desired, current)) != len(desired)
}
