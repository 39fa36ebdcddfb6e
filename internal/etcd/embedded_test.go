package etcd

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// runBackend starts b and returns its client once ready, and a stop
// function that ends it and returns what Start returned.
func runBackend(t *testing.T, b Backend) (*clientv3.Client, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Start(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("backend did not stop within 30s")
		}
	}
	select {
	case <-b.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("backend ended before ready: %v", err)
	case <-time.After(60 * time.Second):
		_ = stop()
		t.Fatal("backend not ready within 60s")
	}
	return b.Client(), stop
}

func TestEmbeddedRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	newEmbedded := func() *Embedded {
		e, err := NewEmbedded(EmbeddedConfig{Dir: dir, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ctx := context.Background()

	e := newEmbedded()
	if e.Client() != nil {
		t.Error("Client before Ready is not nil")
	}
	client, stop := runBackend(t, e)
	if !strings.HasPrefix(e.Endpoint(), "unix://") {
		t.Errorf("endpoint %q is not a unix socket", e.Endpoint())
	}
	if _, err := client.Put(ctx, "/registry/test", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Start returned %v after cancel", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "client.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("client socket left behind: %v", err)
	}

	client, stop = runBackend(t, newEmbedded())
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	resp, err := client.Get(ctx, "/registry/test")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "kept" {
		t.Fatalf("after restart got %v, want the stored value", resp.Kvs)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", st.Mode().Perm())
	}
}

func TestNewEmbeddedConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  EmbeddedConfig
		want string
	}{
		{"no dir", EmbeddedConfig{}, "data directory is required"},
		{"bad scheme", EmbeddedConfig{Dir: "/tmp/x", ClientURL: "https://127.0.0.1:2399"}, "scheme must be unix or http"},
		{"socket path too long", EmbeddedConfig{Dir: "/" + strings.Repeat("d", 120)}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewEmbedded(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEmbeddedRefusesDirInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	first, err := NewEmbedded(EmbeddedConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := runBackend(t, first)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	second, err := NewEmbedded(EmbeddedConfig{Dir: dir, ClientURL: "unix://" + filepath.Join(t.TempDir(), "c.sock")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := second.Start(ctx); !errors.Is(err, ErrDirInUse) {
		t.Fatalf("second Start = %v, want ErrDirInUse", err)
	}
}
