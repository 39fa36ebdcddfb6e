package framework

import (
	"context"
	"runtime"
	"sync/atomic"
)

// parallelize calls fn(i) for every i in [0, n), chunk indexes at a time,
// on the calling goroutine and on up to min(Parallelism, GOMAXPROCS)-1
// helper goroutines. Once ctx is done the remaining indexes are skipped.
//
// Why not workqueue.ParallelizeUntil: it hands all the work to new
// goroutines and waits for every one of them to exit. On a busy two-core
// server each of those goroutines can sit in the run queue for
// milliseconds behind request handlers, and the scheduling cycle waits
// with them twice per pod. Here the caller works too and waits only for
// chunks a helper actually claimed; a helper that starts late finds no work
// and exits.
func parallelize(ctx context.Context, n, chunk int, fn func(i int)) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	chunks := (n + chunk - 1) / chunk
	workers := min(Parallelism, runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			fn(i)
		}
		return
	}

	var next, finished atomic.Int64
	allDone := make(chan struct{})
	work := func() {
		for {
			c := next.Add(1) - 1
			if c >= int64(chunks) {
				return
			}
			lo := int(c) * chunk
			hi := min(lo+chunk, n)
			for i := lo; i < hi && ctx.Err() == nil; i++ {
				fn(i)
			}
			if finished.Add(1) == int64(chunks) {
				close(allDone)
			}
		}
	}
	for range workers - 1 {
		go work()
	}
	work()
	<-allDone
}
