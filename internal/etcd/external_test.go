package etcd_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/nauta/nauta/internal/etcd"
	"github.com/nauta/nauta/internal/etcd/etcdtest"
	"github.com/nauta/nauta/internal/pki"
)

func TestExternal(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
	}{
		{"plain", false},
		{"tls with client certificate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := etcd.ExternalConfig{}
			var files *etcdtest.TLSFiles
			if tt.tls {
				dns, ips := pki.ServingSANs(pki.SANOptions{HostIPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
				b, err := pki.Ensure(pki.Config{Dir: filepath.Join(t.TempDir(), "tls"), ServingDNSNames: dns, ServingIPs: ips})
				if err != nil {
					t.Fatal(err)
				}
				// The serving pair has server auth only and the admin pair
				// client auth only; etcd 3.4 checks each in its role.
				files = &etcdtest.TLSFiles{CAFile: b.CAFile, CertFile: b.Serving.CertFile, KeyFile: b.Serving.KeyFile}
				cfg.CAFile, cfg.CertFile, cfg.KeyFile = b.CAFile, b.Admin.CertFile, b.Admin.KeyFile
			}
			cfg.Endpoints = []string{etcdtest.External(t, files)}

			x, err := etcd.NewExternal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- x.Start(ctx) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			select {
			case <-x.Ready():
			case <-time.After(30 * time.Second):
				t.Fatal("external etcd not ready within 30s")
			}

			client := x.Client()
			put, err := client.Put(ctx, "/registry/k", "v")
			if err != nil {
				t.Fatal(err)
			}
			// A watch from the put's revision sees it: the watch path works
			// against etcd 3.4.
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			defer wcancel()
			wch := client.Watch(wctx, "/registry/", clientv3.WithPrefix(), clientv3.WithRev(put.Header.Revision))
			resp := <-wch
			if err := resp.Err(); err != nil {
				t.Fatal(err)
			}
			if len(resp.Events) != 1 || string(resp.Events[0].Kv.Value) != "v" {
				t.Fatalf("watch got %+v", resp.Events)
			}
			if err := etcd.Ping(ctx, client); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestExternalNotReadyWithoutEtcd(t *testing.T) {
	x, err := etcd.NewExternal(etcd.ExternalConfig{Endpoints: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := x.Start(ctx); err != nil {
		t.Fatalf("Start = %v, want nil after the context ended", err)
	}
	select {
	case <-x.Ready():
		t.Fatal("ready without an etcd")
	default:
	}
}

func TestNewExternalConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  etcd.ExternalConfig
		want string
	}{
		{"no endpoints", etcd.ExternalConfig{}, "--etcd-servers"},
		{"bad scheme", etcd.ExternalConfig{Endpoints: []string{"ftp://x:1"}}, "--etcd-servers"},
		{"not a url", etcd.ExternalConfig{Endpoints: []string{"127.0.0.1:2379"}}, "--etcd-servers"},
		{"cert without key", etcd.ExternalConfig{Endpoints: []string{"https://127.0.0.1:2379"}, CertFile: "/c"}, "--etcd-keyfile"},
		{"missing ca", etcd.ExternalConfig{Endpoints: []string{"https://127.0.0.1:2379"}, CAFile: "/nonexistent/ca.crt"}, "--etcd-cafile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := etcd.NewExternal(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
