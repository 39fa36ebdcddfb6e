package kubelet

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/agent/cri"
	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
	"github.com/nauta/nauta/internal/server/servertest"
)

// TestServerWiring checks what the kubelet hands the kubelet API: the
// client CA, its metrics and its (not yet synced) pods. The endpoints that
// need a runtime are covered by TestKubelet.
func TestServerWiring(t *testing.T) {
	ca := kubeletapitest.NewCA(t, "kube-apiserver-kubelet-client")
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	reg := prometheus.NewRegistry()
	k := &Kubelet{
		cfg: Config{
			NodeName: "n1", NodeIP: "127.0.0.1", ServerAddress: "127.0.0.1", ServerPort: port,
			ClientCAFile: caFile, DataDir: t.TempDir(), Registerer: reg,
		},
		log:     servertest.Logger(t, 0),
		conn:    &cri.Client{},
		metrics: newMetrics(reg, "n1"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.runServer(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runServer: %v", err)
		}
	})
	base := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	client := ca.HTTPClient(t)
	get := func(path string) (int, string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := client.Get(base + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", path, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	tests := []struct {
		path string
		want string
	}{
		{path: "/healthz", want: "ok"},
		{path: "/metrics", want: "kubelet_node_name"},
		{path: "/pods", want: `"kind":"PodList"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(tt.path)
			if code != http.StatusOK || !strings.Contains(body, tt.want) {
				t.Fatalf("GET %s = %d %q, want 200 with %q", tt.path, code, body, tt.want)
			}
		})
	}
	t.Run("no client certificate", func(t *testing.T) {
		anon := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := anon.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /healthz without a client certificate = %d, want 401", resp.StatusCode)
		}
	})
}
