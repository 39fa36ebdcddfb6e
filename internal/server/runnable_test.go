package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestGroupFirstErrorStopsAll(t *testing.T) {
	boom := errors.New("boom")
	g := newGroup(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	stopped := make(chan struct{})
	g.Go("waiter", RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return ctx.Err() // a cancelled Runnable may say so; it is not a failure
	}))
	g.Go("finisher", RunnableFunc(func(context.Context) error { return nil }))
	g.Go("failer", RunnableFunc(func(context.Context) error { return boom }))

	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Wait = %v, want boom", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("group did not stop")
	}
	select {
	case <-stopped:
	default:
		t.Error("waiter was not stopped")
	}
	if cause := context.Cause(g.Context()); !errors.Is(cause, boom) {
		t.Errorf("context cause = %v, want boom", cause)
	}
}

func TestGroupParentCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := newGroup(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, name := range []string{"a", "b"} {
		g.Go(name, RunnableFunc(func(ctx context.Context) error {
			<-ctx.Done()
			return nil
		}))
	}
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait = %v, want nil after the parent ended", err)
	}
}
