package simnode

import (
	"fmt"
	"testing"
)

func TestIPAM(t *testing.T) {
	tests := []struct {
		name     string
		cidr     string
		index    int
		wantFrom string
	}{
		{"node pod CIDR", "10.1.2.0/24", 0, "10.1.2.1"},
		{"no pod CIDR falls back", "", 0, "10.244.0.1"},
		{"fallback per node index", "", 300, "10.245.44.1"},
		{"IPv6 pod CIDR falls back", "fd00::/64", 1, "10.244.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newIPAM()
			got, err := a.allocate("n", tt.cidr, fallbackCIDR(tt.index), "ns/p0")
			if err != nil || got != tt.wantFrom {
				t.Fatalf("allocate = %q, %v; want %q", got, err, tt.wantFrom)
			}
			again, _ := a.allocate("n", tt.cidr, fallbackCIDR(tt.index), "ns/p0")
			if again != got {
				t.Errorf("second allocate for the same pod = %q, want %q", again, got)
			}
		})
	}
}

func TestIPAMReuseAndFull(t *testing.T) {
	a := newIPAM()
	fb := fallbackCIDR(0)
	seen := map[string]bool{}
	for i := range 254 {
		ip, err := a.allocate("n", "10.9.0.0/24", fb, fmt.Sprintf("ns/p%d", i))
		if err != nil {
			t.Fatalf("pod %d: %v", i, err)
		}
		if seen[ip] || ip == "10.9.0.0" || ip == "10.9.0.255" {
			t.Fatalf("pod %d got %s (dup or reserved)", i, ip)
		}
		seen[ip] = true
	}
	if _, err := a.allocate("n", "10.9.0.0/24", fb, "ns/extra"); err == nil {
		t.Fatal("want an error when the CIDR is full")
	}
	a.release("n", "ns/p7")
	ip, err := a.allocate("n", "10.9.0.0/24", fb, "ns/extra")
	if err != nil || ip != "10.9.0.8" {
		t.Fatalf("after release got %q, %v; want 10.9.0.8", ip, err)
	}
	a.claim("m", "", fb, "ns/old", "10.244.0.1")
	if ip, _ := a.allocate("m", "", fb, "ns/new"); ip != "10.244.0.2" {
		t.Errorf("claimed address handed out again: %s", ip)
	}
}
