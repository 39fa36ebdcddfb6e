package dns

import (
	"net"
	"sort"
	"strings"

	mdns "github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// entry holds the ready-made answers of one owner name, per query type. An
// entry existing means the name exists: a type with no records is NODATA.
// Entries are immutable once published in the index.
type entry struct {
	a     []mdns.RR
	aaaa  []mdns.RR
	srv   []mdns.RR
	extra []mdns.RR // A/AAAA of the SRV targets
	cname []mdns.RR // ExternalName
	ptr   []mdns.RR
}

// target is one (address or name, port) a name resolves to, with the name an
// SRV record points at; port < 0 means "no port" (no SRV record).
type target struct {
	ip   string
	port int
	name string // SRV target, lowercase FQDN
}

// serviceRecords are everything one Service contributes to the index.
type serviceRecords struct {
	names map[string]*entry
	// ptrs maps an IP to the names it reverses to; clusterIP marks the
	// Service's own ClusterIPs, which win over endpoint addresses.
	ptrs map[string]ptrClaim
}

type ptrClaim struct {
	clusterIP bool
	names     []string
}

// recordBuilder collects the targets of every name of one Service.
type recordBuilder struct {
	ttl     uint32
	targets map[string][]target
	order   []string
}

func (b *recordBuilder) add(name string, t target) {
	if _, ok := b.targets[name]; !ok {
		b.order = append(b.order, name)
	}
	b.targets[name] = append(b.targets[name], t)
}

// serviceDomain is "svc.ns.svc.<zone>".
func serviceDomain(namespace, name, zone string) string {
	return name + "." + namespace + ".svc." + zone
}

// defaultNSName is the name CoreDNS gives the cluster's name server.
func defaultNSName(zone string) string { return "ns.dns." + zone }

// kubeDNSNamespace and kubeDNSName name the Service the Publisher keeps.
const (
	kubeDNSNamespace = "kube-system"
	kubeDNSName      = "kube-dns"
)

// buildServiceRecords computes the names of svc from the Service and its
// EndpointSlices, following the Kubernetes DNS specification as CoreDNS
// answers it:
//   - svc.ns.svc.zone: the ClusterIPs, or for a headless Service the ready
//     endpoint addresses; ExternalName gives a CNAME.
//   - _port._proto.svc.ns.svc.zone for each named port.
//   - host.svc.ns.svc.zone for each ready endpoint, host being the
//     endpoint's hostname or its address with dashes.
func buildServiceRecords(svc *v1.Service, slices []*discovery.EndpointSlice, zone string, ttl uint32) *serviceRecords {
	base := serviceDomain(svc.Namespace, svc.Name, zone)
	out := &serviceRecords{names: map[string]*entry{}, ptrs: map[string]ptrClaim{}}

	if svc.Spec.Type == v1.ServiceTypeExternalName {
		ext := strings.ToLower(mdns.Fqdn(svc.Spec.ExternalName))
		if svc.Spec.ExternalName == "" || net.ParseIP(svc.Spec.ExternalName) != nil {
			return out
		}
		out.names[base] = &entry{
			cname: []mdns.RR{&mdns.CNAME{Hdr: hdr(base, mdns.TypeCNAME, ttl), Target: ext}},
			srv:   []mdns.RR{&mdns.SRV{Hdr: hdr(base, mdns.TypeSRV, ttl), Weight: 100, Target: ext}},
		}
		return out
	}

	b := &recordBuilder{ttl: ttl, targets: map[string][]target{}}
	headless := svc.Spec.ClusterIP == v1.ClusterIPNone
	endpoints := readyEndpoints(svc, slices)

	if headless {
		for _, ep := range endpoints {
			epName := ep.host + "." + base
			for _, p := range ep.ports {
				t := target{ip: ep.ip, port: p.port, name: epName}
				b.add(base, t)
				if p.name != "" {
					b.add(portName(p.name, p.protocol, base), t)
				}
			}
		}
	} else {
		ips := svc.Spec.ClusterIPs
		if len(ips) == 0 && svc.Spec.ClusterIP != "" {
			ips = []string{svc.Spec.ClusterIP}
		}
		var valid []string
		for _, ip := range ips {
			if net.ParseIP(ip) != nil {
				valid = append(valid, ip)
			}
		}
		for _, p := range svc.Spec.Ports {
			for _, ip := range valid {
				t := target{ip: ip, port: int(p.Port), name: base}
				b.add(base, t)
				if p.Name != "" {
					b.add(portName(p.Name, string(protocolOrTCP(p.Protocol)), base), t)
				}
			}
		}
		for _, ip := range valid {
			out.ptrs[ip] = ptrClaim{clusterIP: true, names: []string{base}}
		}
		if svc.Namespace == kubeDNSNamespace && svc.Name == kubeDNSName && len(valid) > 0 {
			ns := defaultNSName(zone)
			for _, ip := range valid {
				b.add(ns, target{ip: ip, port: -1, name: ns})
			}
		}
	}

	// Endpoint names exist for every Service with endpoints.
	for _, ep := range endpoints {
		epName := ep.host + "." + base
		for _, p := range ep.ports {
			b.add(epName, target{ip: ep.ip, port: p.port, name: epName})
		}
		// An address that is also this Service's ClusterIP keeps
		// reversing to the Service.
		if claim := out.ptrs[ep.ip]; !claim.clusterIP {
			claim.names = appendUnique(claim.names, epName)
			out.ptrs[ep.ip] = claim
		}
	}

	for _, name := range b.order {
		out.names[name] = b.entry(name)
	}
	return out
}

// entry turns the targets of name into its answers.
func (b *recordBuilder) entry(name string) *entry {
	ts := b.targets[name]
	e := &entry{}
	seenIP := map[string]bool{}
	for _, t := range ts {
		if seenIP[t.ip] {
			continue
		}
		seenIP[t.ip] = true
		if rr := addressRR(name, t.ip, b.ttl); rr != nil {
			if rr.Header().Rrtype == mdns.TypeA {
				e.a = append(e.a, rr)
			} else {
				e.aaaa = append(e.aaaa, rr)
			}
		}
	}
	// SRV weights as CoreDNS computes them: 100 split evenly over the
	// records (all of priority 0), rounded down.
	n := 0
	for _, t := range ts {
		if t.port >= 0 {
			n++
		}
	}
	type srvKey struct {
		target string
		port   int
	}
	seenSRV := map[srvKey]bool{}
	seenExtra := map[string]bool{}
	for _, t := range ts {
		if t.port < 0 || seenSRV[srvKey{t.name, t.port}] {
			continue
		}
		seenSRV[srvKey{t.name, t.port}] = true
		e.srv = append(e.srv, &mdns.SRV{
			Hdr:    hdr(name, mdns.TypeSRV, b.ttl),
			Weight: uint16(100 / n),
			Port:   uint16(t.port),
			Target: t.name,
		})
		if k := t.name + "|" + t.ip; !seenExtra[k] {
			seenExtra[k] = true
			if rr := addressRR(t.name, t.ip, b.ttl); rr != nil {
				e.extra = append(e.extra, rr)
			}
		}
	}
	return e
}

// portName is "_port._proto.<base>".
func portName(port, protocol, base string) string {
	return "_" + strings.ToLower(port) + "._" + strings.ToLower(protocol) + "." + base
}

type endpointPort struct {
	name     string
	protocol string
	port     int
}

type readyEndpoint struct {
	ip    string
	host  string
	ports []endpointPort
}

// readyEndpoints lists the addresses DNS publishes: ready ones (a missing
// condition counts as ready), or all of them when the Service publishes
// not-ready addresses. FQDN slices carry no addresses DNS can serve.
func readyEndpoints(svc *v1.Service, slices []*discovery.EndpointSlice) []readyEndpoint {
	sorted := append([]*discovery.EndpointSlice(nil), slices...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var out []readyEndpoint
	for _, s := range sorted {
		if s.AddressType == discovery.AddressTypeFQDN {
			continue
		}
		var ports []endpointPort
		for _, p := range s.Ports {
			ep := endpointPort{port: -1, protocol: string(v1.ProtocolTCP)}
			if p.Name != nil {
				ep.name = *p.Name
			}
			if p.Protocol != nil {
				ep.protocol = string(*p.Protocol)
			}
			if p.Port != nil {
				ep.port = int(*p.Port)
			}
			ports = append(ports, ep)
		}
		if len(ports) == 0 {
			// A Service without ports still resolves to its endpoints.
			ports = []endpointPort{{port: -1}}
		}
		for _, e := range s.Endpoints {
			ready := e.Conditions.Ready == nil || *e.Conditions.Ready
			if !ready && !svc.Spec.PublishNotReadyAddresses {
				continue
			}
			for _, addr := range e.Addresses {
				ip := net.ParseIP(addr)
				if ip == nil {
					continue
				}
				host := ""
				if e.Hostname != nil {
					host = strings.ToLower(*e.Hostname)
				}
				if host == "" {
					host = dashedIP(addr)
				}
				out = append(out, readyEndpoint{ip: ip.String(), host: host, ports: ports})
			}
		}
	}
	return out
}

// dashedIP is the label CoreDNS gives an endpoint without a hostname.
func dashedIP(ip string) string {
	if strings.Contains(ip, ".") {
		return strings.ReplaceAll(ip, ".", "-")
	}
	return strings.ReplaceAll(ip, ":", "-")
}

func protocolOrTCP(p v1.Protocol) v1.Protocol {
	if p == "" {
		return v1.ProtocolTCP
	}
	return p
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func hdr(name string, rrtype uint16, ttl uint32) mdns.RR_Header {
	return mdns.RR_Header{Name: name, Rrtype: rrtype, Class: mdns.ClassINET, Ttl: ttl}
}

// addressRR is an A or AAAA record for ip, nil when ip does not parse.
func addressRR(name, ip string, ttl uint32) mdns.RR {
	parsed := net.ParseIP(ip)
	if parsed == nil {
		return nil
	}
	if v4 := parsed.To4(); v4 != nil {
		return &mdns.A{Hdr: hdr(name, mdns.TypeA, ttl), A: v4}
	}
	return &mdns.AAAA{Hdr: hdr(name, mdns.TypeAAAA, ttl), AAAA: parsed}
}
