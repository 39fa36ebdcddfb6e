package garbagecollector

import (
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// node is what the graph knows of one object.
type node struct {
	uid        types.UID
	resource   schema.GroupVersionResource
	namespace  string
	name       string
	owners     []metav1.OwnerReference
	deleting   bool
	finalizers []string
}

func nodeOf(resource schema.GroupVersionResource, m metav1.Object) *node {
	return &node{
		uid:        m.GetUID(),
		resource:   resource,
		namespace:  m.GetNamespace(),
		name:       m.GetName(),
		owners:     slices.Clone(m.GetOwnerReferences()),
		deleting:   m.GetDeletionTimestamp() != nil,
		finalizers: slices.Clone(m.GetFinalizers()),
	}
}

func (n *node) hasFinalizer(f string) bool { return slices.Contains(n.finalizers, f) }

// ownerUIDs returns the uids n references.
func (n *node) ownerUIDs() []types.UID {
	out := make([]types.UID, 0, len(n.owners))
	for _, r := range n.owners {
		out = append(out, r.UID)
	}
	return out
}

// graph indexes the observed objects by uid and their dependents by owner
// uid. Owners need not be observed: a reference to an unknown uid is
// recorded all the same.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]*node
	dependents map[types.UID]map[types.UID]bool
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}, dependents: map[types.UID]map[types.UID]bool{}}
}

// upsert records n and returns what it replaced, nil when it is new.
func (g *graph) upsert(n *node) *node {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.nodes[n.uid]
	if old != nil {
		g.unlinkLocked(old)
	}
	g.nodes[n.uid] = n
	for _, owner := range n.ownerUIDs() {
		deps := g.dependents[owner]
		if deps == nil {
			deps = map[types.UID]bool{}
			g.dependents[owner] = deps
		}
		deps[n.uid] = true
	}
	return old
}

// remove forgets uid and returns what it was, nil when unknown.
func (g *graph) remove(uid types.UID) *node {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.nodes[uid]
	if old != nil {
		g.unlinkLocked(old)
		delete(g.nodes, uid)
	}
	return old
}

func (g *graph) unlinkLocked(n *node) {
	for _, owner := range n.ownerUIDs() {
		if deps := g.dependents[owner]; deps != nil {
			delete(deps, n.uid)
			if len(deps) == 0 {
				delete(g.dependents, owner)
			}
		}
	}
}

// get returns the node of uid; the caller must not change it.
func (g *graph) get(uid types.UID) (*node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	return n, ok
}

// ownersObserved reports whether every owner n references is in the graph
// under the name and namespace the reference implies (a cluster-scoped
// owner has none). Such owners exist as far as the informers know, and
// their removal queues n again, so n needs no live owner reads now.
func (g *graph) ownersObserved(n *node) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, ref := range n.owners {
		o := g.nodes[ref.UID]
		if o == nil || o.name != ref.Name || (o.namespace != "" && o.namespace != n.namespace) {
			return false
		}
	}
	return true
}

// dependentsOf returns the observed objects referencing owner.
func (g *graph) dependentsOf(owner types.UID) []*node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*node
	for uid := range g.dependents[owner] {
		if n := g.nodes[uid]; n != nil {
			out = append(out, n)
		}
	}
	return out
}
