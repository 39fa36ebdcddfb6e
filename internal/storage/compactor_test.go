package storage

import (
	"context"
	"errors"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
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

	deadline := time.Now().Add(20 * time.Second)
	for {
		// Keep writing so there is history to compact.
		storagetest.CreatePod(t, s, storagetest.NewPod("ns", "w"+time.Now().Format("150405.000000000"), nil))
		_, err := s.client.Get(ctx, storagetest.PodKey("ns", "a"), withRev(rvOf(t, first)))
		if errors.Is(err, rpctypes.ErrCompacted) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision %s never compacted", first.ResourceVersion)
		}
		time.Sleep(20 * time.Millisecond)
	}
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
