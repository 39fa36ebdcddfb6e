package cri

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSocketPath(t *testing.T) {
	tests := []struct {
		endpoint string
		want     string
		wantErr  bool
	}{
		{endpoint: "unix:///run/containerd/containerd.sock", want: "/run/containerd/containerd.sock"},
		{endpoint: "/run/x.sock", want: "/run/x.sock"},
		{endpoint: "tcp://127.0.0.1:1234", wantErr: true},
		{endpoint: "relative.sock", wantErr: true},
		{endpoint: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			got, err := SocketPath(tt.endpoint)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidEndpoint) {
					t.Fatalf("error = %v, want ErrInvalidEndpoint", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SocketPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Dial is lazy; a call against a socket nobody listens on fails cleanly.
// Calls against a real containerd are tested in package containerd.
func TestVersionWithoutRuntime(t *testing.T) {
	c, err := Dial(context.Background(), "unix://"+t.TempDir()+"/none.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := c.Version(ctx); err == nil {
		t.Fatal("Version succeeded without a runtime")
	}
	if _, err := Dial(context.Background(), "tcp://x"); !errors.Is(err, ErrInvalidEndpoint) {
		t.Fatalf("Dial(tcp) error = %v", err)
	}
}
