package storage

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// leaseReuseWindow bounds how long one etcd lease is handed to new
	// writes: objects written in that window share it and expire together,
	// between their TTL and TTL plus the window after their write.
	leaseReuseWindow = time.Minute
	// leaseReuseShare keeps the window small against short TTLs.
	leaseReuseShare = 0.05
	// leaseMaxKeys caps the keys attached to one lease, so that expiring
	// them is not one huge etcd transaction.
	leaseMaxKeys = 1000
)

// WithTTL returns a view of s whose creates and updates attach the written
// key to an etcd lease, so that etcd deletes it ttl (up to ttl plus a
// minute) after its last write: Events, as upstream's --event-ttl.
func (s *Store) WithTTL(ttl time.Duration) *Store {
	view := *s
	view.leases = &leaseManager{client: s.client, ttl: ttl}
	return &view
}

// leaseManager hands out etcd leases for expiring keys. Granting one lease
// per write would double the writes; instead a lease granted with the TTL
// plus a reuse window is shared by the writes of that window.
type leaseManager struct {
	client *clientv3.Client
	ttl    time.Duration

	mu      sync.Mutex
	id      clientv3.LeaseID
	expires time.Time // when the current lease runs out
	keys    int       // writes attached to it
}

// reuseWindow is how long a lease is shared: 5% of the TTL, at most a
// minute.
func (m *leaseManager) reuseWindow() time.Duration {
	return min(time.Duration(float64(m.ttl)*leaseReuseShare), leaseReuseWindow)
}

// lease returns a lease that outlives now by at least the TTL, granting a
// new one when the current one is too close to its end or full.
func (m *leaseManager) lease(ctx context.Context) (clientv3.LeaseID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.id != 0 && m.keys < leaseMaxKeys && m.expires.Sub(now) >= m.ttl {
		m.keys++
		return m.id, nil
	}
	life := m.ttl + m.reuseWindow()
	seconds := int64((life + time.Second - 1) / time.Second)
	resp, err := m.client.Grant(ctx, seconds)
	if err != nil {
		return 0, fmt.Errorf("etcd lease grant (%d s): %w", seconds, err)
	}
	// etcd may raise a TTL below its minimum; trust what it granted.
	m.id, m.keys = resp.ID, 1
	m.expires = now.Add(time.Duration(resp.TTL) * time.Second)
	return m.id, nil
}

// forget drops id when it is the current lease, so that the next write
// gets a new one.
func (m *leaseManager) forget(id clientv3.LeaseID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id == id {
		m.id = 0
	}
}
