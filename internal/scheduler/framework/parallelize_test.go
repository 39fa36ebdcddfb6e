package framework

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestParallelizeCallsEveryIndexOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		prev := runtime.GOMAXPROCS(procs)
		for _, tt := range []struct{ n, chunk int }{
			{n: 0, chunk: 1}, {n: 1, chunk: 1}, {n: 5000, chunk: 70}, {n: 101, chunk: 7}, {n: 3, chunk: 0},
		} {
			calls := make([]atomic.Int32, tt.n)
			parallelize(context.Background(), tt.n, tt.chunk, func(i int) { calls[i].Add(1) })
			for i := range calls {
				if got := calls[i].Load(); got != 1 {
					t.Fatalf("GOMAXPROCS=%d n=%d chunk=%d: index %d called %d times", procs, tt.n, tt.chunk, i, got)
				}
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

func TestParallelizeStopsWhenCancelled(t *testing.T) {
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		ctx, cancel := context.WithCancel(context.Background())
		var calls atomic.Int32
		parallelize(ctx, 10000, 10, func(int) {
			if calls.Add(1) == 50 {
				cancel()
			}
		})
		cancel()
		// Chunks already under way finish their current index only.
		if got := calls.Load(); got < 50 || got > 50+int32(procs) {
			t.Errorf("GOMAXPROCS=%d: %d calls after cancelling at the 50th", procs, got)
		}
		runtime.GOMAXPROCS(prev)
	}
}
