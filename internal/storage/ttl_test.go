package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage/storagetest"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// leaseOf returns the lease key is attached to and its granted TTL.
func leaseOf(t *testing.T, s *Store, key string) (clientv3.LeaseID, int64) {
	t.Helper()
	ctx := storagetest.Context(t)
	resp, err := s.client.Get(ctx, key)
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("get %s: %v (%d keys)", key, err, len(resp.Kvs))
	}
	id := clientv3.LeaseID(resp.Kvs[0].Lease)
	if id == 0 {
		return 0, 0
	}
	ttl, err := s.client.TimeToLive(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return id, ttl.GrantedTTL
}

func TestWithTTLAttachesSharedLeases(t *testing.T) {
	base := newTestStore(t)
	s := base.WithTTL(time.Hour)
	ctx := storagetest.Context(t)

	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "b", nil))
	storagetest.CreatePod(t, base, storagetest.NewPod("ns", "plain", nil))

	idA, ttlA := leaseOf(t, s, storagetest.PodKey("ns", "a"))
	idB, _ := leaseOf(t, s, storagetest.PodKey("ns", "b"))
	if idA == 0 {
		t.Fatal("a key written through WithTTL has no lease")
	}
	// An hour plus the reuse window (a minute, 5% of an hour being more).
	if want := int64(time.Hour/time.Second + 60); ttlA != want {
		t.Errorf("granted TTL = %d s, want %d", ttlA, want)
	}
	if idB != idA {
		t.Errorf("the second write got lease %x, want the shared %x", idB, idA)
	}
	if id, _ := leaseOf(t, s, storagetest.PodKey("ns", "plain")); id != 0 {
		t.Errorf("a key written by the plain store has lease %x", id)
	}

	// An update attaches the key to a lease again (a fresh one here, as the
	// current one was revoked): the TTL counts from the last write.
	if _, err := s.client.Revoke(ctx, idA); err != nil {
		t.Fatal(err)
	}
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "c", nil))
	idC, _ := leaseOf(t, s, storagetest.PodKey("ns", "c"))
	if idC == 0 || idC == idA {
		t.Fatalf("after the shared lease was revoked a create got lease %x", idC)
	}
	out := &corev1.Pod{}
	err := s.GuaranteedUpdate(ctx, storagetest.PodKey("ns", "c"), out, false, nil, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Labels = map[string]string{"updated": "yes"}
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := leaseOf(t, s, storagetest.PodKey("ns", "c")); id != idC {
		t.Errorf("updated key has lease %x, want %x", id, idC)
	}
}

func TestWithTTLKeysExpire(t *testing.T) {
	s := newTestStore(t).WithTTL(time.Second)
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "short", nil))

	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.Get(ctx, storagetest.PodKey("ns", "short"), GetOptions{}, &corev1.Pod{})
		if errors.Is(err, ErrKeyNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("a key written with a 1 s TTL still exists after 15 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestLeaseManagerRenewsBeforeTheTTLRunsShort(t *testing.T) {
	s := newTestStore(t)
	m := &leaseManager{client: s.client, ttl: 10 * time.Second}
	ctx := context.Background()
	first, err := m.lease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := m.lease(ctx); again != first {
		t.Fatalf("a lease with its whole life ahead was not reused")
	}
	// Past the reuse window a write would outlive its TTL by less than
	// asked: a new lease.
	m.mu.Lock()
	m.expires = time.Now().Add(9 * time.Second)
	m.mu.Unlock()
	next, err := m.lease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next == first {
		t.Fatal("a lease too close to its end was reused")
	}
	// A full lease is not reused either.
	m.mu.Lock()
	m.keys = leaseMaxKeys
	m.mu.Unlock()
	if full, _ := m.lease(ctx); full == next {
		t.Fatal("a lease with leaseMaxKeys keys was reused")
	}
}
