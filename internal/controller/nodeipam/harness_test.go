package nodeipam

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/server/servertest"
)

const waitTimeout = 60 * time.Second

// runController starts a control plane and the controller built by newFn,
// returning an admin client. Everything stops when the test ends.
func runController(t *testing.T, newFn controller.Constructor, seed func(kubernetes.Interface)) kubernetes.Interface {
	t.Helper()
	cfg := servertest.Start(t, nil)
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
	c, err := newFn(controller.Context{Client: client, Metadata: md, Informers: factory, Logger: servertest.Logger(t, slog.LevelInfo)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	factory.Start(ctx.Done())
	go func() { done <- c.Run(ctx, 2) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		factory.Shutdown()
	})
	return client
}

func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true,
		func(ctx context.Context) (bool, error) {
			ok, err := cond(ctx)
			if err != nil {
				last = err
				return false, nil
			}
			return ok, nil
		})
	if err != nil {
		t.Fatalf("%s: not within %v (last error: %v)", what, waitTimeout, last)
	}
}
