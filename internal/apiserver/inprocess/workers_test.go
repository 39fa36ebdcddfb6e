package inprocess

import (
	"context"
	"testing"
	"time"
)

func TestWorkersReuseIdleGoroutines(t *testing.T) {
	w := newWorkers(t.Context())
	const jobs = 100
	for range jobs {
		done := make(chan struct{})
		w.run(func() { close(done) })
		<-done
		// Let the worker get back to waiting for work.
		time.Sleep(time.Millisecond)
	}
	if got := w.started.Load(); got >= jobs {
		t.Fatalf("%d goroutines started for %d sequential jobs, want reuse", got, jobs)
	}
}

func TestWorkersRunBlockedJobsSideBySide(t *testing.T) {
	w := newWorkers(t.Context())
	release := make(chan struct{})
	defer close(release)
	w.run(func() { <-release })
	done := make(chan struct{})
	w.run(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a job waited behind a blocked one")
	}
}

func TestWorkersExitWhenBaseEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := newWorkers(ctx)
	for range 3 {
		done := make(chan struct{})
		w.run(func() { close(done) })
		<-done
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for w.running.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers still running after the base context ended", w.running.Load())
		}
		time.Sleep(time.Millisecond)
	}
}
