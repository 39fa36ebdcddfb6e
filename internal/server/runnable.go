package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"k8s.io/client-go/rest"
)

// Runnable is a long-running part of the process. Start blocks until ctx
// ends (returning nil) or the part fails (returning why).
type Runnable interface {
	Start(ctx context.Context) error
}

// RunnableFunc adapts a function to Runnable.
type RunnableFunc func(ctx context.Context) error

// Start calls f.
func (f RunnableFunc) Start(ctx context.Context) error { return f(ctx) }

// Controller is a component that runs once the API server serves and the
// system namespaces exist. It talks to the API server only through the
// loopback client configuration it is given.
type Controller struct {
	// Name appears in logs and errors.
	Name string
	// New builds the Runnable from a loopback configuration with admin
	// rights.
	New func(loopback *rest.Config) (Runnable, error)
}

// group runs Runnables, each in its own goroutine, and cancels all of them
// when the first one fails. Runnables may be added while others run.
type group struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	log    *slog.Logger
	wg     sync.WaitGroup

	mu  sync.Mutex
	err error // the first failure
}

func newGroup(ctx context.Context, log *slog.Logger) *group {
	ctx, cancel := context.WithCancelCause(ctx)
	return &group{ctx: ctx, cancel: cancel, log: log}
}

// Context is cancelled when the group's parent ends or a Runnable fails.
func (g *group) Context() context.Context { return g.ctx }

// Go starts r under name. A Runnable returning nil before the group ends
// has simply finished; returning an error stops the group.
func (g *group) Go(name string, r Runnable) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.log.Debug("starting", "runnable", name)
		err := r.Start(g.ctx)
		if err != nil && !(errors.Is(err, context.Canceled) && g.ctx.Err() != nil) {
			g.fail(fmt.Errorf("%s: %w", name, err))
			return
		}
		g.log.Debug("stopped", "runnable", name)
	}()
}

// fail records err if it is the first failure and stops the group.
func (g *group) fail(err error) {
	g.mu.Lock()
	first := g.err == nil
	if first {
		g.err = err
	}
	g.mu.Unlock()
	if first {
		g.log.Error("stopping after failure", "err", err)
	}
	g.cancel(err)
}

// Wait waits for every Runnable to return and reports the first failure.
func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel(nil)
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}
