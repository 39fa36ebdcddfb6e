package nodelifecycle

import (
	"slices"

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
		z := zoneOf(n)
		if readyStatus(n) == v1.ConditionTrue {
			ready[z]++
		} else {
			notReady[z]++
		}
	}
	states := map[string]zoneState{}
	sizes := map[string]int{}
	for _, n := range nodes {
		z := zoneOf(n)
		if _, done := states[z]; done {
			continue
		}
		r, nr := ready[z], notReady[z]
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
	return states, sizes
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
