package kubelet

import (
	"testing"

	"k8s.io/client-go/rest"
)

func TestConfigKubeletAPI(t *testing.T) {
	base := func() Config {
		return Config{RESTConfig: &rest.Config{}, RuntimeEndpoint: "unix:///run/containerd.sock", NodeName: "n1", NodeIP: "10.0.0.1"}
	}
	tests := []struct {
		name     string
		change   func(*Config)
		wantErr  bool
		wantAddr string
		wantPort int
	}{
		{name: "API needs a client CA", change: func(*Config) {}, wantErr: true},
		{name: "client CA given", change: func(c *Config) { c.ClientCAFile = "/ca.crt" }, wantAddr: "10.0.0.1", wantPort: DefaultServerPort},
		{name: "API disabled", change: func(c *Config) { c.ServerPort = -1 }, wantAddr: "10.0.0.1", wantPort: -1},
		{name: "explicit address", change: func(c *Config) { c.ClientCAFile = "/ca.crt"; c.ServerAddress = "127.0.0.1"; c.ServerPort = 1234 },
			wantAddr: "127.0.0.1", wantPort: 1234},
		{name: "certificate without key", change: func(c *Config) { c.ClientCAFile = "/ca.crt"; c.TLSCertFile = "/tls.crt" }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.change(&c)
			err := c.complete()
			if (err != nil) != tt.wantErr {
				t.Fatalf("complete() error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (c.ServerAddress != tt.wantAddr || c.ServerPort != tt.wantPort) {
				t.Fatalf("server at %s:%d, want %s:%d", c.ServerAddress, c.ServerPort, tt.wantAddr, tt.wantPort)
			}
		})
	}
}
