package replicaset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// expectationsTTL bounds how long a controller waits for its informer to
// report creates/deletes it made before it trusts the cache again anyway
// (a watch event can be lost across a relist).
const expectationsTTL = 5 * time.Minute

// expectations records, per owner key, the pod creations still to be seen
// by the informer and the UIDs of pods whose deletion is still to be seen.
// While a key has outstanding expectations its pods are not recounted, so
// a lagging cache never causes a second round of creates or deletes.
type expectations struct {
	mu    sync.Mutex
	now   func() time.Time
	items map[string]*expectation
}

type expectation struct {
	adds      int
	deletes   map[types.UID]struct{}
	timestamp time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, items: map[string]*expectation{}}
}

// satisfied reports whether key may be synced: nothing outstanding, never
// recorded, or recorded so long ago that the cache is trusted again.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.items[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.now().Sub(x.timestamp) > expectationsTTL
}

// expectCreations replaces key's expectations with n pending creations.
func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items[key] = &expectation{adds: n, deletes: map[types.UID]struct{}{}, timestamp: e.now()}
}

// expectDeletions replaces key's expectations with the given pending deletions.
func (e *expectations) expectDeletions(key string, uids []types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: map[types.UID]struct{}{}, timestamp: e.now()}
	for _, uid := range uids {
		x.deletes[uid] = struct{}{}
	}
	e.items[key] = x
}

// creationObserved lowers the pending creations of key by one.
func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok && x.adds > 0 {
		x.adds--
	}
}

// deletionObserved forgets one pending deletion of key; a pod seen twice
// (first terminating, then gone) counts once.
func (e *expectations) deletionObserved(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok {
		delete(x.deletes, uid)
	}
}

// forget drops key, for a deleted owner.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.items, key)
}
