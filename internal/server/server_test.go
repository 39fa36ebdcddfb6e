package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/nauta/nauta/internal/etcd/etcdtest"
	"github.com/nauta/nauta/internal/pki"
)

// running is a control plane started by a test.
type running struct {
	srv  *Server
	stop func() error
}

// startServer starts a control plane with cfg and waits until it is ready.
func startServer(t *testing.T, cfg Config) running {
	t.Helper()
	cfg.BindAddress = "127.0.0.1"
	cfg.SecurePort = 0
	cfg.AdvertiseAddress = "127.0.0.1"
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("server did not stop within 30s")
		}
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	select {
	case <-srv.Ready():
	case err := <-done:
		stopped = true
		t.Fatalf("server stopped before ready: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("server not ready within 2 minutes")
	}
	return running{srv: srv, stop: stop}
}

// kubeconfigClient builds a clientset from the kubeconfig the server wrote.
func kubeconfigClient(t *testing.T, srv *Server) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func TestControlPlane(t *testing.T) {
	tests := []struct {
		name string
		etcd func(t *testing.T) []string
	}{
		{"embedded etcd", func(*testing.T) []string { return nil }},
		{"external etcd", func(t *testing.T) []string { return []string{etcdtest.External(t, nil)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			tokenFile := filepath.Join(t.TempDir(), "tokens.csv")
			if err := os.WriteFile(tokenFile, []byte("s3cret,alice,1001,\"system:masters\"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := Config{DataDir: dataDir, EtcdServers: tt.etcd(t), TokenAuthFile: tokenFile}
			r := startServer(t, cfg)
			ctx := context.Background()
			client := kubeconfigClient(t, r.srv)

			for _, ns := range SystemNamespaces {
				if _, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
					t.Errorf("namespace %s: %v", ns, err)
				}
			}

			cm := &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"},
				Data:       map[string]string{"color": "blue"},
			}
			if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			got, err := client.CoreV1().ConfigMaps("default").Get(ctx, "settings", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Data["color"] != "blue" || got.ResourceVersion == "" || got.UID == "" {
				t.Errorf("got %+v", got)
			}

			v, err := client.Discovery().ServerVersion()
			if err != nil {
				t.Fatal(err)
			}
			if v.GitVersion != "v1.37.2+nauta" {
				t.Errorf("server version %q, want v1.37.2+nauta", v.GitVersion)
			}

			checkAuthentication(t, r.srv)

			// Restart on the same data directory: the CA and the data stay.
			caBefore, err := os.ReadFile(filepath.Join(dataDir, "tls", pki.CACertFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := r.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			r = startServer(t, cfg)
			caAfter, err := os.ReadFile(filepath.Join(dataDir, "tls", pki.CACertFile))
			if err != nil {
				t.Fatal(err)
			}
			if string(caBefore) != string(caAfter) {
				t.Error("CA changed across a restart")
			}
			client = kubeconfigClient(t, r.srv)
			got, err = client.CoreV1().ConfigMaps("default").Get(ctx, "settings", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if got.Data["color"] != "blue" {
				t.Errorf("after restart got %+v", got.Data)
			}
		})
	}
}

// checkAuthentication checks the listener's TLS settings and the
// authenticators: no credentials is 401 except on public paths, a bearer
// token from --token-auth-file works, a wrong one is 401.
func checkAuthentication(t *testing.T, srv *Server) {
	t.Helper()
	loopback := srv.LoopbackConfig()
	caOnly := &rest.Config{Host: loopback.Host, TLSClientConfig: rest.TLSClientConfig{CAData: loopback.CAData}}
	tests := []struct {
		name   string
		token  string
		path   string
		status int
	}{
		{"anonymous public path", "", "/readyz", http.StatusOK},
		{"anonymous version", "", "/version", http.StatusOK},
		{"anonymous resource", "", "/api/v1/namespaces", http.StatusUnauthorized},
		{"token", "s3cret", "/api/v1/namespaces", http.StatusOK},
		{"wrong token", "wrong", "/api/v1/namespaces", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := rest.CopyConfig(caOnly)
			cfg.BearerToken = tt.token
			hc, err := rest.HTTPClientFor(cfg)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Get(cfg.Host + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("GET %s: %d %s, want %d", tt.path, resp.StatusCode, body, tt.status)
			}
		})
	}

	// A client certificate from another CA is refused during the handshake.
	other, err := pki.Ensure(pki.Config{Dir: t.TempDir(), ServingDNSNames: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Admin.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(loopback.CAData)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{foreign},
	}}}
	resp, err := hc.Get(loopback.Host + "/api/v1/namespaces")
	if err == nil {
		resp.Body.Close()
		t.Errorf("a client certificate from a foreign CA was accepted: %d", resp.StatusCode)
	}
}
