package dns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
)

// Defaults, as CoreDNS and kubeadm have them.
const (
	// DefaultClusterDomain is the zone answered from the cluster.
	DefaultClusterDomain = "cluster.local"
	// DefaultTTL is the TTL of every cluster answer (CoreDNS's kubernetes
	// plugin default).
	DefaultTTL = 5
	// DefaultPort is the port the server listens on when a listen address
	// has none; the kube-dns Service's targetPort points at it.
	DefaultPort = 10053
	// DefaultResolvConf is where the upstream resolvers are read from when
	// Config.Upstreams is empty.
	DefaultResolvConf = "/etc/resolv.conf"
	// DefaultForwardTimeout bounds one exchange with one upstream.
	DefaultForwardTimeout = 2 * time.Second
)

// Config is the DNS server's configuration. New validates and defaults it.
type Config struct {
	// RESTConfig reaches the API server (loopback in `nauta server`).
	RESTConfig *rest.Config
	// ClusterDomain is the zone answered from the cluster (--cluster-domain).
	ClusterDomain string
	// ListenAddrs are host:port addresses served on UDP and TCP (the same
	// port for both). Port 0 picks a free port, which tests use.
	ListenAddrs []string
	// Upstreams are the resolvers for names outside the cluster domain,
	// host or host:port (port 53 by default). Empty means the nameservers
	// of ResolvConf, minus any that would loop back to this server.
	Upstreams []string
	// ResolvConf is read when Upstreams is empty; default /etc/resolv.conf.
	ResolvConf string
	// ReverseCIDRs are the service and pod ranges: a PTR query for an
	// address inside them that no Service or endpoint owns gets an
	// authoritative NXDOMAIN. PTR queries for other addresses are forwarded
	// (CoreDNS's "fallthrough in-addr.arpa ip6.arpa").
	ReverseCIDRs []string
	// ServiceIP is the kube-dns ClusterIP; it is never used as an upstream.
	ServiceIP string
	// Publish, when set, makes Run also keep the kube-dns Service and this
	// server's endpoints published (see Publisher).
	Publish *PublishConfig
	// TTL of cluster answers in seconds; default 5.
	TTL uint32
	// ForwardTimeout bounds one exchange with one upstream; default 2 s.
	ForwardTimeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the coredns_* request and response counters
	// (nil: not exported).
	Registerer prometheus.Registerer
}

// ErrInvalidConfig marks a configuration New refuses.
var ErrInvalidConfig = errors.New("invalid dns configuration")

// settings is Config after validation: everything parsed once.
type settings struct {
	zone         string // lowercase FQDN, "cluster.local."
	listen       []string
	upstreams    []string // host:port
	reverse      []netip.Prefix
	serviceIP    string
	ttl          uint32
	fwdTimeout   time.Duration
	resolvConf   string
	explicitUpst bool
}

func (c Config) complete() (settings, error) {
	var s settings
	if c.RESTConfig == nil {
		return s, fmt.Errorf("%w: RESTConfig is required", ErrInvalidConfig)
	}
	domain := strings.Trim(strings.ToLower(c.ClusterDomain), ".")
	if domain == "" {
		domain = DefaultClusterDomain
	}
	if _, ok := mdns.IsDomainName(domain); !ok {
		return s, fmt.Errorf("%w: cluster domain %q", ErrInvalidConfig, c.ClusterDomain)
	}
	s.zone = mdns.Fqdn(domain)
	if len(c.ListenAddrs) == 0 {
		return s, fmt.Errorf("%w: no listen address", ErrInvalidConfig)
	}
	for _, a := range c.ListenAddrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			host, port = a, fmt.Sprint(DefaultPort)
		}
		if host != "" && net.ParseIP(host) == nil {
			return s, fmt.Errorf("%w: listen address %q is not an IP", ErrInvalidConfig, a)
		}
		s.listen = append(s.listen, net.JoinHostPort(host, port))
	}
	for _, u := range c.Upstreams {
		hp, err := upstreamAddr(u)
		if err != nil {
			return s, fmt.Errorf("%w: upstream %q: %v", ErrInvalidConfig, u, err)
		}
		s.upstreams = append(s.upstreams, hp)
	}
	s.explicitUpst = len(c.Upstreams) > 0
	for _, cidr := range c.ReverseCIDRs {
		p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
		if err != nil {
			return s, fmt.Errorf("%w: reverse CIDR %q: %v", ErrInvalidConfig, cidr, err)
		}
		s.reverse = append(s.reverse, p.Masked())
	}
	if c.ServiceIP != "" {
		if net.ParseIP(c.ServiceIP) == nil {
			return s, fmt.Errorf("%w: service IP %q", ErrInvalidConfig, c.ServiceIP)
		}
		s.serviceIP = c.ServiceIP
	}
	if p := c.Publish; p != nil {
		if p.NodeName == "" {
			return s, fmt.Errorf("%w: publish needs a node name", ErrInvalidConfig)
		}
		host, _, _ := net.SplitHostPort(s.listen[0])
		if ip := net.ParseIP(host); p.Address == "" && (ip == nil || ip.IsUnspecified()) {
			return s, fmt.Errorf("%w: publish needs an address when listening on %s", ErrInvalidConfig, s.listen[0])
		}
		if p.Address != "" && net.ParseIP(p.Address) == nil {
			return s, fmt.Errorf("%w: publish address %q", ErrInvalidConfig, p.Address)
		}
	}
	s.ttl = c.TTL
	if s.ttl == 0 {
		s.ttl = DefaultTTL
	}
	s.fwdTimeout = c.ForwardTimeout
	if s.fwdTimeout <= 0 {
		s.fwdTimeout = DefaultForwardTimeout
	}
	s.resolvConf = c.ResolvConf
	if s.resolvConf == "" {
		s.resolvConf = DefaultResolvConf
	}
	return s, nil
}

// upstreamAddr turns "host" or "host:port" into host:port (port 53).
func upstreamAddr(u string) (string, error) {
	if ip := net.ParseIP(strings.Trim(u, "[]")); ip != nil {
		return net.JoinHostPort(ip.String(), "53"), nil
	}
	host, port, err := net.SplitHostPort(u)
	if err != nil {
		return "", err
	}
	if net.ParseIP(host) == nil {
		return "", fmt.Errorf("%q is not an IP address", host)
	}
	return net.JoinHostPort(host, port), nil
}

// resolvConfUpstreams reads the nameservers of path, leaving out those that
// would send queries back to this server: one of its bound addresses, or the
// kube-dns ClusterIP (which the proxy leads back here).
func resolvConfUpstreams(path string, bound []net.Addr, serviceIP string) ([]string, error) {
	cc, err := mdns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	port := cc.Port
	if port == "" {
		port = "53"
	}
	var out []string
	for _, ns := range cc.Servers {
		addr := net.JoinHostPort(ns, port)
		if loopsBack(addr, bound, serviceIP) {
			continue
		}
		out = append(out, addr)
	}
	return out, nil
}

func loopsBack(addr string, bound []net.Addr, serviceIP string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return true
	}
	if serviceIP != "" && ip.Equal(net.ParseIP(serviceIP)) {
		return true
	}
	for _, b := range bound {
		bhost, bport, err := net.SplitHostPort(b.String())
		if err != nil || bport != port {
			continue
		}
		bip := net.ParseIP(bhost)
		if bip.Equal(ip) || (bip.IsUnspecified() && (ip.IsLoopback() || isLocalIP(ip))) {
			return true
		}
	}
	return false
}

// isLocalIP says whether ip is assigned to an interface of this host.
func isLocalIP(ip net.IP) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// ServiceIPFromRange is the kube-dns ClusterIP for a service range: its
// 10th address (10.43.0.10 for 10.43.0.0/16), as kubeadm and k3s pick it.
func ServiceIPFromRange(cidr string) (string, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil {
		return "", fmt.Errorf("service range %q: %w", cidr, err)
	}
	addr := p.Masked().Addr()
	for range 10 {
		addr = addr.Next()
	}
	if !p.Contains(addr) {
		return "", fmt.Errorf("service range %q is too small for a 10th address", cidr)
	}
	return addr.String(), nil
}
