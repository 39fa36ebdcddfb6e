package servicealloc

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
)

// Errors a reservation can fail with.
var (
	// ErrAllocated means the requested value is held by another Service.
	ErrAllocated = errors.New("already allocated")
	// ErrFull means no free value is left in the range.
	ErrFull = errors.New("range is full")
	// ErrNotInRange means the requested value lies outside the range.
	ErrNotInRange = errors.New("not in range")
)

// maxIPRangeSize caps the number of addresses handed out from one range
// (an IPv6 /64 would not fit a bitmap), as upstream does.
const maxIPRangeSize = 1 << 16

// IPRange maps the usable addresses of a service CIDR to offsets. The
// network address is never handed out, nor, for IPv4, the broadcast
// address.
type IPRange struct {
	prefix netip.Prefix
	first  netip.Addr
	size   int
}

// ParseIPRange parses a CIDR such as 10.43.0.0/16.
func ParseIPRange(cidr string) (IPRange, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return IPRange{}, fmt.Errorf("service IP range %q: %w", cidr, err)
	}
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	if hostBits < 2 {
		return IPRange{}, fmt.Errorf("service IP range %q: too small", cidr)
	}
	total := new(big.Int).Lsh(big.NewInt(1), uint(hostBits))
	total.Sub(total, big.NewInt(1)) // the network address
	if p.Addr().Is4() {
		total.Sub(total, big.NewInt(1)) // the broadcast address
	}
	size := maxIPRangeSize
	if total.IsInt64() && total.Int64() < int64(size) {
		size = int(total.Int64())
	}
	return IPRange{prefix: p, first: p.Addr().Next(), size: size}, nil
}

// String returns the CIDR.
func (r IPRange) String() string { return r.prefix.String() }

// Size is the number of addresses that can be handed out.
func (r IPRange) Size() int { return r.size }

// Contains reports whether ip is in the CIDR (usable or not).
func (r IPRange) Contains(ip netip.Addr) bool { return r.prefix.Contains(ip) }

// Offset returns ip's offset, or ErrNotInRange.
func (r IPRange) Offset(ip netip.Addr) (int, error) {
	if !r.prefix.Contains(ip) || ip.Less(r.first) {
		return 0, ErrNotInRange
	}
	a, b := r.first.AsSlice(), ip.AsSlice()
	d := new(big.Int).Sub(new(big.Int).SetBytes(b), new(big.Int).SetBytes(a))
	if !d.IsInt64() || d.Int64() >= int64(r.size) {
		return 0, ErrNotInRange
	}
	return int(d.Int64()), nil
}

// Addr returns the address at offset.
func (r IPRange) Addr(offset int) netip.Addr {
	n := new(big.Int).Add(new(big.Int).SetBytes(r.first.AsSlice()), big.NewInt(int64(offset)))
	buf := make([]byte, r.first.BitLen()/8)
	n.FillBytes(buf)
	ip, _ := netip.AddrFromSlice(buf)
	return ip
}

// PortRange is an inclusive range of node ports.
type PortRange struct {
	Base, Size int
}

// DefaultNodePortRange is the upstream default, 30000-32767.
const DefaultNodePortRange = "30000-32767"

// ParsePortRange parses "30000-32767" (or a single port).
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	low, err := strconv.Atoi(lo)
	if err != nil {
		return PortRange{}, fmt.Errorf("node port range %q: %w", s, err)
	}
	high := low
	if found {
		if high, err = strconv.Atoi(hi); err != nil {
			return PortRange{}, fmt.Errorf("node port range %q: %w", s, err)
		}
	}
	if low < 1 || high > 65535 || high < low {
		return PortRange{}, fmt.Errorf("node port range %q: must be within 1-65535, low end first", s)
	}
	return PortRange{Base: low, Size: high - low + 1}, nil
}

// String returns the range in flag form.
func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Base, r.Base+r.Size-1) }

// Offset returns port's offset, or ErrNotInRange.
func (r PortRange) Offset(port int) (int, error) {
	if port < r.Base || port >= r.Base+r.Size {
		return 0, ErrNotInRange
	}
	return port - r.Base, nil
}

// Port returns the port at offset.
func (r PortRange) Port(offset int) int { return r.Base + offset }

// ipStaticBand is the number of addresses at the bottom of a range that
// random allocation uses only when the rest is full, leaving them for
// Services that ask for a fixed address (the kubernetes and kube-dns
// Services among them): size/16, at least 16 and at most 256.
func ipStaticBand(size int) int { return clampBand(size/16, 16, 256, size) }

// portStaticBand is the same for node ports: size/32, 16..128.
func portStaticBand(size int) int { return clampBand(size/32, 16, 128, size) }

func clampBand(v, lo, hi, size int) int {
	v = max(lo, min(v, hi))
	if v >= size {
		return 0
	}
	return v
}
