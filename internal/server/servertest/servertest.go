// Package servertest starts a whole in-process control plane (embedded
// etcd, watch caches, API server over TLS) for tests, on a free loopback
// port in a temporary directory.
package servertest

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/server"
)

// startTimeout bounds the control plane's start: etcd, certificates and
// bootstrap take a few seconds on a 2-core machine.
const startTimeout = 2 * time.Minute

// Start starts a control plane with no controllers in a temporary
// directory, on a free loopback port, and returns an admin rest.Config for
// it. configure, when not nil, may change the configuration first. The
// control plane stops when the test ends.
func Start(t testing.TB, configure func(*server.Config)) *rest.Config {
	t.Helper()
	cfg := server.Config{
		DataDir:          t.TempDir(),
		BindAddress:      "127.0.0.1",
		SecurePort:       0,
		AdvertiseAddress: "127.0.0.1",
		Logger:           Logger(t, slog.LevelWarn),
	}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("control plane config: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var startErr error
	done := make(chan struct{})
	go func() {
		startErr = srv.Start(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			if startErr != nil {
				t.Logf("control plane stopped with: %v", startErr)
			}
		case <-time.After(startTimeout):
			t.Errorf("control plane did not stop within %v", startTimeout)
		}
	})

	select {
	case <-srv.Ready():
	case <-done:
		t.Fatalf("control plane failed to start: %v", startErr)
	case <-time.After(startTimeout):
		t.Fatalf("control plane not ready within %v", startTimeout)
	}
	loopback := srv.LoopbackConfig()
	if loopback == nil {
		t.Fatal("control plane ready without a loopback configuration")
	}
	return loopback
}

// Logger returns a logger writing to the test's log (shown for failing or
// -v tests) at level and above, or at debug when NAUTA_TEST_VERBOSE is set.
// Lines logged after the test ended are dropped instead of panicking.
func Logger(t testing.TB, level slog.Level) *slog.Logger {
	if os.Getenv("NAUTA_TEST_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	t      testing.TB
	mu     sync.Mutex
	closed bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

// StartWithComponentConfig is Start, also returning the configuration
// the server hands the components running in its own process (requests
// through the in-process transport, see internal/apiserver/inprocess).
func StartWithComponentConfig(t testing.TB, configure func(*server.Config)) (admin, components *rest.Config) {
	t.Helper()
	configs := make(chan *rest.Config, 1)
	admin = Start(t, func(cfg *server.Config) {
		if configure != nil {
			configure(cfg)
		}
		cfg.Controllers = append(cfg.Controllers, server.Controller{
			Name: "capture-config",
			New: func(loopback *rest.Config) (server.Runnable, error) {
				configs <- loopback
				return server.RunnableFunc(func(ctx context.Context) error { <-ctx.Done(); return nil }), nil
			},
		})
	})
	select {
	case components = <-configs:
	case <-time.After(startTimeout):
		t.Fatal("the server never built its components")
	}
	return admin, components
}
