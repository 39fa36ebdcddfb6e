package proxy

import (
	"testing"

	"k8s.io/client-go/rest"
)

func TestNewValidates(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:1"}
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
		mode    string
	}{
		{name: "defaults", cfg: Config{RESTConfig: rc, NodeName: "n"}, mode: ModeNFTables},
		{name: "iptables", cfg: Config{RESTConfig: rc, NodeName: "n", Mode: ModeIPTables}, mode: ModeIPTables},
		{name: "no rest config", cfg: Config{NodeName: "n"}, wantErr: true},
		{name: "no node", cfg: Config{RESTConfig: rc}, wantErr: true},
		{name: "bad mode", cfg: Config{RESTConfig: rc, NodeName: "n", Mode: "ipvs"}, wantErr: true},
		{name: "bad cidr", cfg: Config{RESTConfig: rc, NodeName: "n", ClusterCIDR: "10.42.0.0"}, wantErr: true},
		{name: "ipv6 cidr", cfg: Config{RESTConfig: rc, NodeName: "n", ServiceCIDR: "fd00::/108"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newProxier(tt.cfg, &recordRunner{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if p.backend.name() != tt.mode {
				t.Errorf("mode %s, want %s", p.backend.name(), tt.mode)
			}
			if p.cfg.MinSyncPeriod != DefaultMinSyncPeriod || p.cfg.SyncPeriod != DefaultSyncPeriod ||
				p.cfg.ClusterCIDR != DefaultClusterCIDR || p.cfg.ServiceCIDR != DefaultServiceCIDR {
				t.Errorf("defaults not applied: %+v", p.cfg)
			}
		})
	}
}
