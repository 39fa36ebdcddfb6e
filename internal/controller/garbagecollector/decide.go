package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ownerState is what a live read said about one owner reference.
type ownerState int

const (
	// ownerSolid: the owner exists and is not waiting for its dependents.
	ownerSolid ownerState = iota
	// ownerUnresolved: the reference's kind is not served (yet); it
	// counts as solid so an unknown kind never causes a deletion.
	ownerUnresolved
	// ownerDangling: no object with the referenced uid exists.
	ownerDangling
	// ownerWaiting: the owner is being deleted in the foreground and waits
	// for its dependents.
	ownerWaiting
)

type ownerStatus struct {
	ref   metav1.OwnerReference
	state ownerState
}

// action is what to do with a dependent.
type action struct {
	// removeRefs lists owner uids whose references to drop.
	removeRefs []types.UID
	// delete the dependent with policy.
	delete bool
	policy metav1.DeletionPropagation
}

// decideDependent decides about an object with owners given their states
// and its own finalizers: an object with a solid owner stays (dropping
// references to dangling or waiting owners); otherwise it is deleted, in
// the foreground when a waiting owner is blocked on it, else with the
// policy its own finalizers ask for (background by default).
func decideDependent(owners []ownerStatus, finalizers []string) action {
	if len(owners) == 0 {
		return action{}
	}
	solid := false
	blocking := false
	var stale []types.UID
	for _, o := range owners {
		switch o.state {
		case ownerSolid, ownerUnresolved:
			solid = true
		case ownerDangling:
			stale = append(stale, o.ref.UID)
		case ownerWaiting:
			stale = append(stale, o.ref.UID)
			if o.ref.BlockOwnerDeletion != nil && *o.ref.BlockOwnerDeletion {
				blocking = true
			}
		}
	}
	if solid {
		return action{removeRefs: stale}
	}
	if blocking {
		return action{delete: true, policy: metav1.DeletePropagationForeground}
	}
	policy := metav1.DeletePropagationBackground
	for _, f := range finalizers {
		switch f {
		case metav1.FinalizerOrphanDependents:
			return action{delete: true, policy: metav1.DeletePropagationOrphan}
		case metav1.FinalizerDeleteDependents:
			policy = metav1.DeletePropagationForeground
		}
	}
	return action{delete: true, policy: policy}
}

// blockingDependents counts the dependents whose reference to owner sets
// blockOwnerDeletion: a foreground deletion waits for them.
func blockingDependents(owner types.UID, dependents []*node) int {
	n := 0
	for _, d := range dependents {
		for _, r := range d.owners {
			if r.UID == owner && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				n++
				break
			}
		}
	}
	return n
}

// withoutRefs returns refs minus those to uids; changed reports a removal.
func withoutRefs(refs []metav1.OwnerReference, uids []types.UID) ([]metav1.OwnerReference, bool) {
	drop := map[types.UID]bool{}
	for _, u := range uids {
		drop[u] = true
	}
	out := make([]metav1.OwnerReference, 0, len(refs))
	for _, r := range refs {
		if !drop[r.UID] {
			out = append(out, r)
		}
	}
	return out, len(out) != len(refs)
}
