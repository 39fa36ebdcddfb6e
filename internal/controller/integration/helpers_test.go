package integration

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/server/servertest"
)

// waitTimeout bounds every wait for a controller to act.
const waitTimeout = 60 * time.Second

// startManager runs a manager built from cfg until the test ends and
// returns it with a function that stops it early (and waits for it).
func startManager(t *testing.T, cfg manager.Config) (*manager.Manager, func()) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = servertest.Logger(t, slog.LevelInfo).With("identity", cfg.Identity)
	}
	m, err := manager.New(cfg)
	if err != nil {
		t.Fatalf("manager.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Start(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("manager %s: Start returned %v", m.Identity(), err)
			}
		case <-time.After(waitTimeout):
			t.Errorf("manager %s did not stop", m.Identity())
		}
	}
	t.Cleanup(stop)
	return m, stop
}

func newClient(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// eventually polls cond until it returns true, failing the test with what
// after waitTimeout. Errors from cond are treated as "not yet".
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
