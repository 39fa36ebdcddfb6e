package nodeipam

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// ErrCIDRRangeFull is returned when every node range is taken.
var ErrCIDRRangeFull = errors.New("CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range")

// cidrSet hands out the /maskSize subnets of one cluster CIDR. It is not
// safe for concurrent use; the controller serialises access.
type cidrSet struct {
	cluster  netip.Prefix
	maskSize int
	max      int
	used     big.Int
	next     int
}

func newCIDRSet(cluster netip.Prefix, maskSize int) (*cidrSet, error) {
	cluster = cluster.Masked()
	if maskSize < cluster.Bits() || maskSize > cluster.Addr().BitLen() {
		return nil, fmt.Errorf("node CIDR mask size %d does not fit in cluster CIDR %s", maskSize, cluster)
	}
	if maskSize-cluster.Bits() > 24 {
		return nil, fmt.Errorf("node CIDR mask size %d is too large for cluster CIDR %s (at most 2^24 nodes)", maskSize, cluster)
	}
	return &cidrSet{cluster: cluster, maskSize: maskSize, max: 1 << (maskSize - cluster.Bits())}, nil
}

// subnet returns the index-th node range.
func (s *cidrSet) subnet(index int) netip.Prefix {
	base := new(big.Int).SetBytes(s.cluster.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(int64(index)), uint(s.cluster.Addr().BitLen()-s.maskSize))
	base.Add(base, step)
	raw := base.FillBytes(make([]byte, s.cluster.Addr().BitLen()/8))
	addr, _ := netip.AddrFromSlice(raw)
	return netip.PrefixFrom(addr, s.maskSize)
}

// index returns which node range p is, or false when p is not one.
func (s *cidrSet) index(p netip.Prefix) (int, bool) {
	if p.Bits() != s.maskSize || !s.cluster.Contains(p.Addr()) || p.Addr().BitLen() != s.cluster.Addr().BitLen() {
		return 0, false
	}
	p = p.Masked()
	off := new(big.Int).Sub(new(big.Int).SetBytes(p.Addr().AsSlice()), new(big.Int).SetBytes(s.cluster.Addr().AsSlice()))
	off.Rsh(off, uint(s.cluster.Addr().BitLen()-s.maskSize))
	return int(off.Int64()), true
}

// occupy marks p as taken; it reports false when p is not a node range of
// this cluster CIDR.
func (s *cidrSet) occupy(p netip.Prefix) bool {
	i, ok := s.index(p)
	if ok {
		s.used.SetBit(&s.used, i, 1)
	}
	return ok
}

// release frees p.
func (s *cidrSet) release(p netip.Prefix) {
	if i, ok := s.index(p); ok {
		s.used.SetBit(&s.used, i, 0)
	}
}

// allocateNext takes the next free range, searching round-robin from the
// last allocation so freed ranges are not reused at once.
func (s *cidrSet) allocateNext() (netip.Prefix, error) {
	for n := 0; n < s.max; n++ {
		i := (s.next + n) % s.max
		if s.used.Bit(i) == 0 {
			s.used.SetBit(&s.used, i, 1)
			s.next = (i + 1) % s.max
			return s.subnet(i), nil
		}
	}
	return netip.Prefix{}, ErrCIDRRangeFull
}
