package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func ref(uid string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: uid, UID: types.UID(uid), BlockOwnerDeletion: &block}
}

func TestDecideDependent(t *testing.T) {
	tests := []struct {
		name       string
		owners     []ownerStatus
		finalizers []string
		want       action
	}{
		{name: "no owners", want: action{}},
		{name: "solid owner", owners: []ownerStatus{{ref("a", false), ownerSolid}}, want: action{}},
		{name: "dangling owner", owners: []ownerStatus{{ref("a", false), ownerDangling}},
			want: action{delete: true, policy: metav1.DeletePropagationBackground}},
		{name: "one of two gone keeps it, drops the stale ref",
			owners: []ownerStatus{{ref("a", false), ownerDangling}, {ref("b", false), ownerSolid}},
			want:   action{removeRefs: []types.UID{"a"}}},
		{name: "unresolvable owner kind keeps it", owners: []ownerStatus{{ref("a", false), ownerUnresolved}, {ref("b", false), ownerDangling}},
			want: action{removeRefs: []types.UID{"b"}}},
		{name: "waiting owner with blocking ref: foreground", owners: []ownerStatus{{ref("a", true), ownerWaiting}},
			want: action{delete: true, policy: metav1.DeletePropagationForeground}},
		{name: "waiting owner without block: background", owners: []ownerStatus{{ref("a", false), ownerWaiting}},
			want: action{delete: true, policy: metav1.DeletePropagationBackground}},
		{name: "waiting owner and a solid one: drop ref", owners: []ownerStatus{{ref("a", true), ownerWaiting}, {ref("b", false), ownerSolid}},
			want: action{removeRefs: []types.UID{"a"}}},
		{name: "own orphan finalizer", owners: []ownerStatus{{ref("a", false), ownerDangling}}, finalizers: []string{metav1.FinalizerOrphanDependents},
			want: action{delete: true, policy: metav1.DeletePropagationOrphan}},
		{name: "own foreground finalizer", owners: []ownerStatus{{ref("a", false), ownerDangling}}, finalizers: []string{"x", metav1.FinalizerDeleteDependents},
			want: action{delete: true, policy: metav1.DeletePropagationForeground}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideDependent(tt.owners, tt.finalizers)
			if got.delete != tt.want.delete || got.policy != tt.want.policy || !slices.Equal(got.removeRefs, tt.want.removeRefs) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	cm := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	g := newGraph()
	mk := func(uid string, owners ...metav1.OwnerReference) *node {
		return &node{uid: types.UID(uid), resource: cm, namespace: "ns", name: uid, owners: owners}
	}
	g.upsert(mk("owner"))
	g.upsert(mk("d1", ref("owner", true)))
	g.upsert(mk("d2", ref("owner", false), ref("other", false)))
	uids := func(ns []*node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, string(n.uid))
		}
		slices.Sort(out)
		return out
	}
	if got := uids(g.dependentsOf("owner")); !slices.Equal(got, []string{"d1", "d2"}) {
		t.Fatalf("dependents = %v", got)
	}
	if got := blockingDependents("owner", g.dependentsOf("owner")); got != 1 {
		t.Errorf("blocking = %d", got)
	}
	// d2 drops its reference to owner.
	g.upsert(mk("d2", ref("other", false)))
	if got := uids(g.dependentsOf("owner")); !slices.Equal(got, []string{"d1"}) {
		t.Errorf("after update dependents = %v", got)
	}
	if got := uids(g.dependentsOf("other")); !slices.Equal(got, []string{"d2"}) {
		t.Errorf("other's dependents = %v", got)
	}
	g.remove("d1")
	if got := g.dependentsOf("owner"); len(got) != 0 {
		t.Errorf("after remove dependents = %v", uids(got))
	}
	if _, ok := g.get("d1"); ok {
		t.Error("removed node still there")
	}
}

func TestWithoutRefs(t *testing.T) {
	refs := []metav1.OwnerReference{ref("a", false), ref("b", true)}
	out, changed := withoutRefs(refs, []types.UID{"b", "z"})
	if !changed || len(out) != 1 || out[0].UID != "a" {
		t.Errorf("got %v %v", out, changed)
	}
	if _, changed := withoutRefs(refs, []types.UID{"z"}); changed {
		t.Error("changed without a match")
	}
}

func TestNeedsAttention(t *testing.T) {
	owned := &node{uid: "x", owners: []metav1.OwnerReference{ref("a", false)}}
	free := &node{uid: "x"}
	foreground := &node{uid: "x", deleting: true, finalizers: []string{metav1.FinalizerDeleteDependents}}
	other := &node{uid: "x", deleting: true, finalizers: []string{"example.com/x"}}
	tests := []struct {
		name     string
		old, new *node
		observed bool // every owner of new is in the graph
		want     bool
	}{
		{"new with unobserved owner", nil, owned, false, true},
		{"new with observed owner", nil, owned, true, false},
		{"new without owner", nil, free, true, false},
		{"new, foreground deleting", nil, foreground, true, true},
		{"status update of owned object", owned, owned, false, false},
		{"unobserved owner added", free, owned, false, true},
		{"observed owner added", free, owned, true, false},
		{"last owner removed", owned, free, true, false},
		{"block flag changed, owner unobserved", owned, &node{uid: "x", owners: []metav1.OwnerReference{ref("a", true)}}, false, true},
		{"block flag changed, owner observed", owned, &node{uid: "x", owners: []metav1.OwnerReference{ref("a", true)}}, true, false},
		{"starts foreground deletion", free, foreground, true, true},
		{"foreground unchanged", foreground, foreground, true, false},
		{"deleting for another finalizer", free, other, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsAttention(tt.old, tt.new, tt.observed); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOwnersObserved(t *testing.T) {
	g := newGraph()
	g.upsert(&node{uid: "rs", namespace: "a", name: "rs"})
	g.upsert(&node{uid: "pv", name: "pv"})
	owned := func(ns string, refs ...metav1.OwnerReference) *node {
		return &node{uid: "x", namespace: ns, owners: refs}
	}
	tests := []struct {
		name string
		n    *node
		want bool
	}{
		{"no owners", owned("a"), true},
		{"observed namespaced owner", owned("a", ref("rs", false)), true},
		{"observed cluster-scoped owner", owned("a", ref("pv", false)), true},
		{"unknown uid", owned("a", ref("gone", false)), false},
		{"one of two unknown", owned("a", ref("rs", false), ref("gone", false)), false},
		{"owner in another namespace", owned("b", ref("rs", false)), false},
		{"namespaced owner of a cluster-scoped object", owned("", ref("rs", false)), false},
		{"name does not match the uid", owned("a", metav1.OwnerReference{Name: "other", UID: "rs"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.ownersObserved(tt.n); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
