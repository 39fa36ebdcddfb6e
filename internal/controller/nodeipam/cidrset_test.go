package nodeipam

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCIDRSet(t *testing.T) {
	s, err := newCIDRSet(netip.MustParsePrefix("10.42.0.0/22"), 24)
	if err != nil {
		t.Fatal(err)
	}
	if !s.occupy(netip.MustParsePrefix("10.42.1.0/24")) {
		t.Fatal("occupy of a node range refused")
	}
	for _, bad := range []string{"10.43.0.0/24", "10.42.0.0/25", "fd00::/120"} {
		if s.occupy(netip.MustParsePrefix(bad)) {
			t.Errorf("occupy(%s) accepted", bad)
		}
	}
	var got []string
	for {
		p, err := s.allocateNext()
		if errors.Is(err, ErrCIDRRangeFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.String())
	}
	want := []string{"10.42.0.0/24", "10.42.2.0/24", "10.42.3.0/24"}
	if len(got) != len(want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allocated %v, want %v", got, want)
		}
	}
	s.release(netip.MustParsePrefix("10.42.2.0/24"))
	p, err := s.allocateNext()
	if err != nil || p.String() != "10.42.2.0/24" {
		t.Fatalf("after release got %v, %v", p, err)
	}
}

func TestNewCIDRSetRejects(t *testing.T) {
	tests := []struct {
		cidr string
		mask int
	}{
		{"10.42.0.0/16", 15},
		{"10.42.0.0/16", 33},
		{"fd00::/48", 112},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			if _, err := newCIDRSet(netip.MustParsePrefix(tt.cidr), tt.mask); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestIPv6Subnets(t *testing.T) {
	s, err := newCIDRSet(netip.MustParsePrefix("fd00:10::/56"), 64)
	if err != nil {
		t.Fatal(err)
	}
	s.occupy(netip.MustParsePrefix("fd00:10::/64"))
	p, err := s.allocateNext()
	if err != nil || p.String() != "fd00:10:0:1::/64" {
		t.Fatalf("got %v, %v", p, err)
	}
}
