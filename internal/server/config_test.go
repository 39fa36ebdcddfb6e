package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"DataDir", cfg.DataDir, DefaultDataDir},
		{"BindAddress", cfg.BindAddress, DefaultBindAddress},
		{"ServiceClusterIPRange", cfg.ServiceClusterIPRange, "10.43.0.0/16"},
		{"ClusterCIDR", cfg.ClusterCIDR, "10.42.0.0/16"},
		{"ClusterDomain", cfg.ClusterDomain, "cluster.local"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.AdvertiseAddress == "" || strings.HasPrefix(cfg.AdvertiseAddress, "127.") && hasNonLoopback(t) {
		t.Errorf("AdvertiseAddress = %q, want the first non-loopback host address", cfg.AdvertiseAddress)
	}
	ip, err := cfg.ServiceIP()
	if err != nil || ip.String() != "10.43.0.1" {
		t.Errorf("ServiceIP = %v, %v; want 10.43.0.1", ip, err)
	}
}

func hasNonLoopback(t *testing.T) bool {
	addr, err := firstHostAddress()
	if err != nil {
		t.Fatal(err)
	}
	return !addr.IsLoopback()
}

func TestConfigValidate(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte("secret,alice,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := func() Config {
		cfg, err := Config{DataDir: "/var/lib/nauta", AdvertiseAddress: "192.0.2.1"}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"ipv6 bind", func(c *Config) { c.BindAddress = "::" }, ""},
		{"port zero", func(c *Config) { c.SecurePort = 0 }, ""},
		{"tls sans", func(c *Config) { c.TLSSANs = []string{"api.example.com", "*.example.org", "192.0.2.9", "2001:db8::1"} }, ""},
		{"external etcd", func(c *Config) { c.EtcdServers = []string{"https://10.0.0.1:2379", "unix:///run/etcd.sock"} }, ""},
		{"token file", func(c *Config) { c.TokenAuthFile = tokenFile }, ""},
		{"relative data dir", func(c *Config) { c.DataDir = "data" }, "--data-dir"},
		{"bind not ip", func(c *Config) { c.BindAddress = "localhost" }, "--bind-address"},
		{"port too big", func(c *Config) { c.SecurePort = 70000 }, "--secure-port"},
		{"advertise unspecified", func(c *Config) { c.AdvertiseAddress = "0.0.0.0" }, "--advertise-address"},
		{"advertise garbage", func(c *Config) { c.AdvertiseAddress = "x" }, "--advertise-address"},
		{"bad san", func(c *Config) { c.TLSSANs = []string{"not a name"} }, "--tls-san"},
		{"etcd not url", func(c *Config) { c.EtcdServers = []string{"10.0.0.1:2379"} }, "--etcd-servers"},
		{"etcd tls without servers", func(c *Config) { c.EtcdCAFile = tokenFile }, "need --etcd-servers"},
		{"etcd cert without key", func(c *Config) {
			c.EtcdServers = []string{"https://10.0.0.1:2379"}
			c.EtcdCertFile = tokenFile
		}, "--etcd-keyfile"},
		{"etcd ca missing", func(c *Config) {
			c.EtcdServers = []string{"https://10.0.0.1:2379"}
			c.EtcdCAFile = "/nonexistent/ca.crt"
		}, "--etcd-cafile"},
		{"token file missing", func(c *Config) { c.TokenAuthFile = "/nonexistent/tokens.csv" }, "--token-auth-file"},
		{"negative compaction", func(c *Config) { c.EtcdCompactionInterval = -time.Second }, "--etcd-compaction-interval"},
		{"negative compaction bound", func(c *Config) { c.EtcdCompactionMaxRevisions = -1 }, "--etcd-compaction-max-revisions"},
		{"node mask wider than the cluster CIDR", func(c *Config) { c.NodeCIDRMaskSize = 8 }, "--node-cidr-mask-size"},
		{"event ttl under a second", func(c *Config) { c.EventTTL = 500 * time.Millisecond }, "--event-ttl"},
		{"negative event ttl", func(c *Config) { c.EventTTL = -time.Hour }, "--event-ttl"},
		{"negative node grace period", func(c *Config) { c.NodeMonitorGracePeriod = -time.Second }, "--node-monitor-grace-period"},
		{"negative toleration seconds", func(c *Config) { c.DefaultUnreachableTolerationSeconds = -1 }, "--default-unreachable-toleration-seconds"},
		{"service range garbage", func(c *Config) { c.ServiceClusterIPRange = "ten" }, "--service-cluster-ip-range"},
		{"service range host bits", func(c *Config) { c.ServiceClusterIPRange = "10.43.0.1/16" }, "did you mean 10.43.0.0/16"},
		{"service range too small", func(c *Config) { c.ServiceClusterIPRange = "10.43.0.0/32" }, "too small"},
		{"cluster cidr garbage", func(c *Config) { c.ClusterCIDR = "ten" }, "--cluster-cidr"},
		{"cluster cidr overlaps", func(c *Config) { c.ClusterCIDR = "10.43.128.0/17" }, "overlaps"},
		{"cluster domain", func(c *Config) { c.ClusterDomain = "Cluster_Local" }, "--cluster-domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			err := cfg.validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewRejectsBadTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte("only-a-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{DataDir: t.TempDir(), TokenAuthFile: path})
	if err == nil || !strings.Contains(err.Error(), "--token-auth-file") {
		t.Fatalf("err = %v, want a --token-auth-file error", err)
	}
}
