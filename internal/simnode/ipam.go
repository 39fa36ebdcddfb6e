package simnode

import (
	"fmt"
	"net/netip"
	"sync"
)

// ipam hands out pod IPs per node, sequentially inside the node's pod CIDR,
// skipping addresses still in use. It is safe for concurrent use.
type ipam struct {
	mu    sync.Mutex
	nodes map[string]*nodePool
}

type nodePool struct {
	prefix netip.Prefix
	next   netip.Addr
	used   map[netip.Addr]string // address → pod key
	byPod  map[string]netip.Addr
}

func newIPAM() *ipam { return &ipam{nodes: map[string]*nodePool{}} }

// fallbackCIDR is the /24 a node without spec.podCIDR gets: node index i
// maps into 10.244.0.0/16 and then on up to 10.255.255.0/24.
func fallbackCIDR(index int) netip.Prefix {
	n := index % (12 * 256) // 10.244.0.0 .. 10.255.255.0
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(244 + n/256), byte(n % 256), 0}), 24)
}

// pool returns the node's pool, creating it on cidr (or fallback when cidr
// does not parse as IPv4).
func (a *ipam) pool(node, cidr string, fallback netip.Prefix) *nodePool {
	p := a.nodes[node]
	if p != nil {
		return p
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() > 30 {
		prefix = fallback
	}
	prefix = prefix.Masked()
	p = &nodePool{prefix: prefix, next: prefix.Addr().Next(), used: map[netip.Addr]string{}, byPod: map[string]netip.Addr{}}
	a.nodes[node] = p
	return p
}

// allocate returns the pod's address on node, the same one on every call
// until release.
func (a *ipam) allocate(node, cidr string, fallback netip.Prefix, podKey string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pool(node, cidr, fallback)
	if ip, ok := p.byPod[podKey]; ok {
		return ip.String(), nil
	}
	size := 1 << (32 - p.prefix.Bits())
	// Skip the network and broadcast addresses; wrap around at the end.
	for range size {
		ip := p.next
		p.next = ip.Next()
		if !p.prefix.Contains(p.next) || isBroadcast(p.prefix, p.next) {
			p.next = p.prefix.Addr().Next()
		}
		if ip == p.prefix.Addr() || isBroadcast(p.prefix, ip) {
			continue
		}
		if _, taken := p.used[ip]; taken {
			continue
		}
		p.used[ip] = podKey
		p.byPod[podKey] = ip
		return ip.String(), nil
	}
	return "", fmt.Errorf("node %s: pod CIDR %s is full", node, p.prefix)
}

// claim records an address a pod already has (seen after a restart).
func (a *ipam) claim(node, cidr string, fallback netip.Prefix, podKey, addr string) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pool(node, cidr, fallback)
	if _, ok := p.byPod[podKey]; ok {
		return
	}
	p.used[ip] = podKey
	p.byPod[podKey] = ip
}

// release frees the pod's address on node.
func (a *ipam) release(node, podKey string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.nodes[node]
	if p == nil {
		return
	}
	if ip, ok := p.byPod[podKey]; ok {
		delete(p.byPod, podKey)
		if p.used[ip] == podKey {
			delete(p.used, ip)
		}
	}
}

func isBroadcast(prefix netip.Prefix, ip netip.Addr) bool {
	if !prefix.Contains(ip) {
		return false
	}
	b := ip.As4()
	host := 32 - prefix.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := uint32(1)<<host - 1
	return v&mask == mask
}
