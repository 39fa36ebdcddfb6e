package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/pki"
)

// TestInProcessConfig drives client-go through the in-process config: a
// get and a watch reach the handler with the admin identity, without a
// listener, while the TLS credentials stay readable in the config.
func TestInProcessConfig(t *testing.T) {
	bundle, err := pki.Ensure(pki.Config{Dir: t.TempDir(), ServingIPs: []net.IP{net.ParseIP("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	// Port 1 has no listener: a request that tried the network would fail.
	loopback := loopbackConfig("https://127.0.0.1:1", bundle)
	identities := make(chan string, 2)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		identities <- r.TLS.VerifiedChains[0][0].Subject.CommonName
		w.Header().Set("Content-Type", "application/json")
		ns := v1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "7"}}
		if r.URL.Query().Get("watch") != "true" {
			_ = json.NewEncoder(w).Encode(ns)
			return
		}
		w.(http.Flusher).Flush()
		_ = json.NewEncoder(w).Encode(metav1.WatchEvent{Type: string(watch.Added), Object: runtime.RawExtension{Raw: rawJSON(t, ns)}})
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := inProcessConfig(ctx, loopback, handler, bundle, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.CAData) != string(bundle.CAPEM) {
		t.Error("in-process config lost the CA other components publish")
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.CoreV1().Namespaces().Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get through the in-process transport: %v", err)
	}
	if got.Name != "a" || got.ResourceVersion != "7" {
		t.Errorf("got %s at %s", got.Name, got.ResourceVersion)
	}
	w, err := client.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch through the in-process transport: %v", err)
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		if ns, ok := ev.Object.(*v1.Namespace); ev.Type != watch.Added || !ok || ns.Name != "a" {
			t.Errorf("watch event %s %T", ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatal("no watch event")
	}
	for range 2 {
		if cn := <-identities; cn != bundle.Admin.Cert.Subject.CommonName {
			t.Errorf("handler saw %q, want the admin certificate %q", cn, bundle.Admin.Cert.Subject.CommonName)
		}
	}
}

func rawJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(fmt.Errorf("marshal: %w", err))
	}
	return b
}
