// Package controllertest runs controllers against an in-process control
// plane (real API server on embedded etcd) for their tests.
package controllertest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/server/servertest"
)

// WaitTimeout bounds Eventually.
const WaitTimeout = 60 * time.Second

// Run starts a control plane, calls seed (if any) with an admin client,
// then builds the controllers from newFns on one shared informer factory
// and runs each with two workers. Everything stops when the test ends.
func Run(t *testing.T, newFns []controller.Constructor, seed func(kubernetes.Interface)) kubernetes.Interface {
	t.Helper()
	return RunOn(t, servertest.Start(t, nil), newFns, seed)
}

// RunOn is Run against the API server behind cfg.
func RunOn(t *testing.T, cfg *rest.Config, newFns []controller.Constructor, seed func(kubernetes.Interface)) kubernetes.Interface {
	t.Helper()
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if seed != nil {
		seed(client)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	var cs []controller.Controller
	for _, newFn := range newFns {
		c, err := newFn(controller.Context{Client: client, Metadata: md, Informers: factory, Logger: servertest.Logger(t, slog.LevelInfo)})
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, len(cs))
	factory.Start(ctx.Done())
	for _, c := range cs {
		go func() { done <- c.Run(ctx, 2) }()
	}
	t.Cleanup(func() {
		cancel()
		for range cs {
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
		factory.Shutdown()
	})
	return client
}

// Eventually polls cond every 100ms until it is true or WaitTimeout
// passes; errors from cond count as "not yet" and the last is reported.
func Eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	EventuallyWithin(t, WaitTimeout, what, cond)
}

// EventuallyWithin is Eventually with its own timeout.
func EventuallyWithin(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			ok, err := cond(ctx)
			if err != nil {
				last = err
				return false, nil
			}
			return ok, nil
		})
	if err != nil {
		t.Fatalf("%s: not within %v (last error: %v)", what, timeout, last)
	}
}
