package cli

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/nauta/nauta/internal/server"
)

func TestServerFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, cfg server.Config)
	}{
		{"defaults", nil, func(t *testing.T, cfg server.Config) {
			if cfg.DataDir != "/var/lib/nauta" || cfg.BindAddress != "0.0.0.0" || cfg.SecurePort != 6443 ||
				cfg.EtcdCompactionInterval != 5*time.Minute || cfg.ServiceClusterIPRange != "10.43.0.0/16" ||
				cfg.ClusterCIDR != "10.42.0.0/16" || cfg.ClusterDomain != "cluster.local" || cfg.DisableAgent {
				t.Errorf("defaults: %+v", cfg)
			}
		}},
		{"tls-san repeated and comma-separated", []string{"--tls-san", "a.example.com,192.0.2.1", "--tls-san=b.example.com"},
			func(t *testing.T, cfg server.Config) {
				if want := []string{"a.example.com", "192.0.2.1", "b.example.com"}; !slices.Equal(cfg.TLSSANs, want) {
					t.Errorf("TLSSANs = %v, want %v", cfg.TLSSANs, want)
				}
			}},
		{"external etcd", []string{"--etcd-servers=https://10.0.0.1:2379,https://10.0.0.2:2379", "--etcd-cafile=/ca",
			"--etcd-certfile=/c", "--etcd-keyfile=/k", "--etcd-compaction-interval=1m"},
			func(t *testing.T, cfg server.Config) {
				if len(cfg.EtcdServers) != 2 || cfg.EtcdCAFile != "/ca" || cfg.EtcdCertFile != "/c" || cfg.EtcdKeyFile != "/k" ||
					cfg.EtcdCompactionInterval != time.Minute {
					t.Errorf("etcd flags: %+v", cfg)
				}
			}},
		{"the rest", []string{"--data-dir=/srv/nauta", "--bind-address=::", "--secure-port=7443", "--advertise-address=192.0.2.5",
			"--disable-agent", "--token-auth-file=/t.csv", "--service-cluster-ip-range=10.96.0.0/12",
			"--cluster-cidr=10.244.0.0/16", "--cluster-domain=example.org"},
			func(t *testing.T, cfg server.Config) {
				if cfg.DataDir != "/srv/nauta" || cfg.BindAddress != "::" || cfg.SecurePort != 7443 ||
					cfg.AdvertiseAddress != "192.0.2.5" || !cfg.DisableAgent || cfg.TokenAuthFile != "/t.csv" ||
					cfg.ServiceClusterIPRange != "10.96.0.0/12" || cfg.ClusterCIDR != "10.244.0.0/16" ||
					cfg.ClusterDomain != "example.org" {
					t.Errorf("flags: %+v", cfg)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg server.Config
			fs := pflag.NewFlagSet("server", pflag.ContinueOnError)
			addServerFlags(fs, &cfg)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestServerFlagErrorsNameTheFlag(t *testing.T) {
	var cfg server.Config
	fs := pflag.NewFlagSet("server", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addServerFlags(fs, &cfg)
	err := fs.Parse([]string{"--secure-port=https"})
	if err == nil || !strings.Contains(err.Error(), "--secure-port") {
		t.Fatalf("err = %v, want it to name --secure-port", err)
	}
}
