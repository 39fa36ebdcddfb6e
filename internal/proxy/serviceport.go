package proxy

import (
	"net"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// servicePortName identifies one port of one Service.
type servicePortName struct {
	Namespace string
	Name      string
	Port      string // the port's name, or its number when unnamed
	Protocol  v1.Protocol
}

// String is "ns/name/proto/port", the readable tail of chain names.
func (n servicePortName) String() string {
	return n.Namespace + "/" + n.Name + "/" + protoName(n.Protocol) + "/" + n.Port
}

// endpoint is one backend address of a service port.
type endpoint struct {
	IP   string
	Port int32
}

func (e endpoint) String() string { return e.IP + ":" + strconv.Itoa(int(e.Port)) }

// servicePort is everything the proxy programs for one port of one
// Service, already reduced to the endpoints each kind of traffic uses.
type servicePort struct {
	Name      servicePortName
	ClusterIP string // empty for headless Services
	Port      int32
	NodePort  int32
	// ExternalIPs holds spec.externalIPs and the LoadBalancer ingress IPs.
	ExternalIPs []string
	// FirewallIPs are the LoadBalancer ingress IPs when
	// spec.loadBalancerSourceRanges limits who may use them (SourceRanges,
	// IPv4 CIDRs).
	FirewallIPs  []string
	SourceRanges []string
	// ExternalLocal is externalTrafficPolicy: Local (for a Service that has
	// external destinations).
	ExternalLocal bool
	// InternalLocal is internalTrafficPolicy: Local.
	InternalLocal   bool
	Affinity        bool
	AffinitySeconds int32
	// ClusterEndpoints are the usable endpoints on every node; LocalEndpoints
	// the subset on this node.
	ClusterEndpoints []endpoint
	LocalEndpoints   []endpoint
}

// internalEndpoints are the endpoints ClusterIP traffic goes to.
func (sp *servicePort) internalEndpoints() []endpoint {
	if sp.InternalLocal {
		return sp.LocalEndpoints
	}
	return sp.ClusterEndpoints
}

// hasExternal reports whether traffic from outside arrives on this port.
func (sp *servicePort) hasExternal() bool {
	return sp.NodePort != 0 || len(sp.ExternalIPs) > 0
}

// defaultAffinitySeconds is upstream's default ClientIP timeout (3 hours).
const defaultAffinitySeconds = 10800

// buildServicePorts reduces a Service and its EndpointSlices to the ports
// this node programs. It returns nil for Services the proxy ignores
// (ExternalName, headless without external destinations). Only IPv4 is
// handled.
func buildServicePorts(svc *v1.Service, slices []*discovery.EndpointSlice, nodeName string) []servicePort {
	if svc == nil || svc.Spec.Type == v1.ServiceTypeExternalName {
		return nil
	}
	clusterIP := ""
	for _, ip := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
		if isIPv4(ip) {
			clusterIP = ip
			break
		}
	}
	var external, lbIPs []string
	for _, ip := range svc.Spec.ExternalIPs {
		if isIPv4(ip) {
			external = append(external, ip)
		}
	}
	if svc.Spec.Type == v1.ServiceTypeLoadBalancer {
		for _, ing := range svc.Status.LoadBalancer.Ingress {
			// An ingress in Proxy mode is reached through the load
			// balancer itself; upstream does not short-circuit it.
			if ing.IPMode != nil && *ing.IPMode == v1.LoadBalancerIPModeProxy {
				continue
			}
			if isIPv4(ing.IP) {
				external = append(external, ing.IP)
				lbIPs = append(lbIPs, ing.IP)
			}
		}
	}
	external = uniqueSorted(external)
	var ranges []string
	for _, r := range svc.Spec.LoadBalancerSourceRanges {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(r)); err == nil && n.IP.To4() != nil {
			ranges = append(ranges, n.String())
		}
	}
	ranges = uniqueSorted(ranges)
	if len(ranges) == 0 {
		lbIPs = nil
	}
	lbIPs = uniqueSorted(lbIPs)

	var out []servicePort
	for _, p := range svc.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = v1.ProtocolTCP
		}
		name := p.Name
		if name == "" {
			name = strconv.Itoa(int(p.Port))
		}
		sp := servicePort{
			Name:          servicePortName{Namespace: svc.Namespace, Name: svc.Name, Port: name, Protocol: proto},
			ClusterIP:     clusterIP,
			Port:          p.Port,
			ExternalIPs:   external,
			FirewallIPs:   lbIPs,
			SourceRanges:  ranges,
			InternalLocal: svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == v1.ServiceInternalTrafficPolicyLocal,
		}
		if svc.Spec.Type == v1.ServiceTypeNodePort || svc.Spec.Type == v1.ServiceTypeLoadBalancer {
			sp.NodePort = p.NodePort
		}
		sp.ExternalLocal = sp.hasExternal() && svc.Spec.ExternalTrafficPolicy == v1.ServiceExternalTrafficPolicyLocal
		if svc.Spec.SessionAffinity == v1.ServiceAffinityClientIP {
			sp.Affinity = true
			sp.AffinitySeconds = defaultAffinitySeconds
			if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
				sp.AffinitySeconds = *c.ClientIP.TimeoutSeconds
			}
		}
		if sp.ClusterIP == "" && !sp.hasExternal() {
			continue
		}
		sp.ClusterEndpoints, sp.LocalEndpoints = pickEndpoints(slices, p.Name, proto, nodeName)
		out = append(out, sp)
	}
	return out
}

// candidate is one endpoint address with its conditions.
type candidate struct {
	ep                          endpoint
	ready, serving, terminating bool
	local                       bool
}

// pickEndpoints returns the cluster-wide and node-local endpoints of the
// service port named portName. Like upstream, ready endpoints are used;
// when there are none, endpoints that are serving but terminating are used
// instead so that connections drain rather than fail.
func pickEndpoints(slices []*discovery.EndpointSlice, portName string, proto v1.Protocol, nodeName string) (cluster, local []endpoint) {
	seen := map[endpoint]bool{}
	var all []candidate
	for _, s := range slices {
		if s.AddressType != discovery.AddressTypeIPv4 {
			continue
		}
		var port int32
		found := false
		for _, p := range s.Ports {
			pn := ""
			if p.Name != nil {
				pn = *p.Name
			}
			pp := v1.ProtocolTCP
			if p.Protocol != nil {
				pp = *p.Protocol
			}
			if pn == portName && pp == proto && p.Port != nil {
				port, found = *p.Port, true
				break
			}
		}
		if !found {
			continue
		}
		for _, e := range s.Endpoints {
			if len(e.Addresses) == 0 || !isIPv4(e.Addresses[0]) {
				continue
			}
			ep := endpoint{IP: e.Addresses[0], Port: port}
			if seen[ep] {
				continue
			}
			seen[ep] = true
			ready := e.Conditions.Ready == nil || *e.Conditions.Ready
			serving := ready
			if e.Conditions.Serving != nil {
				serving = *e.Conditions.Serving
			}
			terminating := e.Conditions.Terminating != nil && *e.Conditions.Terminating
			all = append(all, candidate{
				ep: ep, ready: ready, serving: serving, terminating: terminating,
				local: e.NodeName != nil && *e.NodeName == nodeName,
			})
		}
	}
	sort.Slice(all, func(i, j int) bool { return lessEndpoint(all[i].ep, all[j].ep) })
	cluster = usable(all, false)
	local = usable(all, true)
	return cluster, local
}

// usable picks the ready endpoints (only local ones when localOnly), or
// the serving-terminating ones when none is ready.
func usable(all []candidate, localOnly bool) []endpoint {
	var ready, terminating []endpoint
	for _, c := range all {
		if localOnly && !c.local {
			continue
		}
		switch {
		case c.ready && !c.terminating:
			ready = append(ready, c.ep)
		case c.serving && c.terminating:
			terminating = append(terminating, c.ep)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return terminating
}

func lessEndpoint(a, b endpoint) bool {
	ai, bi := net.ParseIP(a.IP).To4(), net.ParseIP(b.IP).To4()
	for k := range ai {
		if ai[k] != bi[k] {
			return ai[k] < bi[k]
		}
	}
	return a.Port < b.Port
}

func isIPv4(s string) bool {
	ip := net.ParseIP(s)
	// "::ffff:1.2.3.4" parses as IPv4 too; it is an IPv6 address here.
	return ip != nil && ip.To4() != nil && !strings.Contains(s, ":")
}

func uniqueSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	sort.Strings(in)
	out := in[:1]
	for _, s := range in[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// protoName is the lower-case protocol name nft and iptables use.
func protoName(p v1.Protocol) string {
	switch p {
	case v1.ProtocolUDP:
		return "udp"
	case v1.ProtocolSCTP:
		return "sctp"
	default:
		return "tcp"
	}
}
