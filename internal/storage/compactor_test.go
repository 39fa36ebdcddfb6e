package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/nauta/nauta/internal/storage/storagetest"
)

func TestCompactorSharedByTwoServers(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(storagetest.Context(t))
	first := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))

	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := NewCompactor(s.client, 50*time.Millisecond).Start(ctx); err != nil {
				t.Errorf("compactor: %v", err)
			}
		}()
	}

	waitCompacted(t, s, ctx, rvOf(t, first), 20*time.Second, func() {
		// Keep writing so there is history to compact.
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", "w"+time.Now().Format("150405.000000000"), nil))
	})
	cancel()
	wg.Wait()

	// The newest revision is never compacted right away: the compactor
	// only compacts to a revision recorded one interval earlier.
	cur := mustGetRV(t, s, context.Background())
	if _, err := s.client.Get(context.Background(), storagetest.PodKey("ns", "a"), withRev(cur)); err != nil {
		t.Fatalf("newest revision unreadable: %v", err)
	}
	resp, err := s.client.Get(context.Background(), CompactRevKey)
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Version < 2 {
		t.Fatalf("compact_rev_key = %v, %v", resp, err)
	}
}

func TestCompactorRevisionBound(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(storagetest.Context(t))
	first := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))

	// An interval of an hour never ticks here: only the bound compacts.
	c := NewCompactor(s.client, time.Hour).WithMaxRevisions(20)
	c.checkEvery = 20 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()

	// Fewer writes than the bound leave history alone.
	for i := 0; i < 10; i++ {
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", fmt.Sprintf("below-%d", i), nil))
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := s.client.Get(ctx, storagetest.PodKey("ns", "a"), withRev(rvOf(t, first))); err != nil {
		t.Fatalf("history below the bound was compacted: %v", err)
	}

	for i := 0; i < 30; i++ {
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", fmt.Sprintf("over-%d", i), nil))
	}
	waitCompacted(t, s, ctx, rvOf(t, first), 10*time.Second, func() {})
	// The newest half of the bound stays readable.
	cur := mustGetRV(t, s, ctx)
	if _, err := s.client.Get(ctx, storagetest.PodKey("ns", "a"), withRev(cur-9)); err != nil {
		t.Fatalf("recent revision %d unreadable: %v", cur-9, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCompactorStopsWithContext(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewCompactor(s.client, time.Hour).Start(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start did not return after ctx was cancelled")
	}
}

// waitCompacted calls each (to make history) until reading pod ns/a at rev
// fails with ErrCompacted, or fails the test after timeout.
func waitCompacted(t *testing.T, s *Store, ctx context.Context, rev int64, timeout time.Duration, each func()) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		each()
		_, err := s.client.Get(ctx, storagetest.PodKey("ns", "a"), withRev(rev))
		if errors.Is(err, rpctypes.ErrCompacted) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision %d never compacted", rev)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
