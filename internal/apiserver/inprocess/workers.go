package inprocess

import (
	"context"
	"sync/atomic"
	"time"
)

// workerIdleTimeout is how long a handler goroutine waits for another
// request before it exits.
const workerIdleTimeout = 10 * time.Second

// workers runs handlers on reused goroutines. A fresh goroutine per request
// grows its stack through the whole handler chain every time, which under
// load cost ~4% of the server's CPU in copying stacks; a reused one keeps
// the stack it grew.
type workers struct {
	base context.Context
	// work hands a job to an idle worker; it is unbuffered, so a send only
	// succeeds when one is waiting.
	work chan func()
	// started and running count worker goroutines, for tests.
	started, running atomic.Int64
}

func newWorkers(base context.Context) *workers {
	return &workers{base: base, work: make(chan func())}
}

// run starts job on an idle worker, or on a new one when none is idle.
func (w *workers) run(job func()) {
	select {
	case w.work <- job:
	default:
		w.started.Add(1)
		w.running.Add(1)
		go w.loop(job)
	}
}

// loop runs job, then further jobs until it has been idle for
// workerIdleTimeout or the transport's base context ends.
func (w *workers) loop(job func()) {
	defer w.running.Add(-1)
	job()
	idle := time.NewTimer(workerIdleTimeout)
	defer idle.Stop()
	for {
		select {
		case job := <-w.work:
			job()
			idle.Reset(workerIdleTimeout)
		case <-idle.C:
			return
		case <-w.base.Done():
			return
		}
	}
}
