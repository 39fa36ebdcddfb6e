package dns

import (
	"context"
	"net"
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"
)

// maxCNAMEChase bounds how far an ExternalName's target is followed inside
// the cluster zone.
const maxCNAMEChase = 8

var _ mdns.Handler = (*Server)(nil)

// ServeDNS answers one query: cluster names from the index, reverse names
// of cluster addresses from the index, everything else from upstream.
func (s *Server) ServeDNS(w mdns.ResponseWriter, r *mdns.Msg) {
	// The DNS library does not recover handler panics; one bad query must
	// not take the whole process down.
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("dns handler panic", "panic", p, "question", r.Question)
			m := new(mdns.Msg)
			m.SetRcode(r, mdns.RcodeServerFailure)
			_ = w.WriteMsg(m)
		}
	}()
	if r.Opcode != mdns.OpcodeQuery {
		s.writeRcode(w, r, mdns.RcodeNotImplemented)
		return
	}
	if len(r.Question) != 1 {
		s.writeRcode(w, r, mdns.RcodeFormatError)
		return
	}
	if opt := r.IsEdns0(); opt != nil && opt.Version() != 0 {
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeBadVers)
		m.SetEdns0(udpReadSize, false)
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := lowerName(q.Name)
	s.metrics.request(w, s.metricsZone(name), q.Qtype)
	switch {
	case q.Qtype == mdns.TypeAXFR || q.Qtype == mdns.TypeIXFR:
		// Zone transfers are not offered.
		s.writeRcode(w, r, mdns.RcodeRefused)
	case q.Qclass != mdns.ClassINET && q.Qclass != mdns.ClassANY:
		s.forward(w, r)
	case inZone(name, s.set.zone):
		s.answerCluster(w, r, q, name)
	case isReverseName(name):
		s.answerReverse(w, r, q, name)
	default:
		s.forward(w, r)
	}
}

// answerCluster answers a name under the cluster zone, as CoreDNS's
// kubernetes plugin does.
func (s *Server) answerCluster(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, name string) {
	if !s.synced.Load() {
		s.writeRcode(w, r, mdns.RcodeServerFailure)
		return
	}
	zone := s.set.zone
	if name == s.versionName {
		// Only TXT: any other type of this name is NXDOMAIN in CoreDNS.
		if q.Qtype == mdns.TypeTXT {
			s.writeAnswer(w, r, q, name, zone, s.versionTXT, nil)
			return
		}
		s.writeNXDomain(w, r, zone)
		return
	}
	if e := s.ix.lookup(name); e != nil {
		if len(e.cname) > 0 && q.Qtype != mdns.TypeCNAME && q.Qtype != mdns.TypeSRV {
			s.answerCNAME(w, r, q, name, e)
			return
		}
		answer, extra := e.records(q.Qtype)
		s.writeAnswer(w, r, q, name, zone, answer, extra)
		return
	}
	if name == zone {
		switch q.Qtype {
		case mdns.TypeSOA:
			s.writeAnswer(w, r, q, name, zone, []mdns.RR{s.soa(zone)}, nil)
		case mdns.TypeNS:
			ns := defaultNSName(zone)
			var extra []mdns.RR
			if e := s.ix.lookup(ns); e != nil {
				extra = append(append(extra, e.a...), e.aaaa...)
			}
			rr := &mdns.NS{Hdr: hdr(zone, mdns.TypeNS, s.set.ttl), Ns: ns}
			s.writeAnswer(w, r, q, name, zone, []mdns.RR{rr}, extra)
		default:
			s.writeAnswer(w, r, q, name, zone, nil, nil)
		}
		return
	}
	switch rest := strings.TrimSuffix(name, "."+zone); classify(rest) {
	case nameNoData:
		s.writeAnswer(w, r, q, name, zone, nil, nil)
	case nameNamespace:
		if s.nsExists(rest[:strings.IndexByte(rest, '.')]) {
			s.writeAnswer(w, r, q, name, zone, nil, nil)
			return
		}
		s.writeNXDomain(w, r, zone)
	case namePod:
		s.answerPod(w, r, q, name, rest)
	default:
		s.writeNXDomain(w, r, zone)
	}
}

// records picks the answer and additional section for qtype. Other types,
// ANY included, get NODATA, as CoreDNS answers them.
func (e *entry) records(qtype uint16) (answer, extra []mdns.RR) {
	switch qtype {
	case mdns.TypeA:
		return e.a, nil
	case mdns.TypeAAAA:
		return e.aaaa, nil
	case mdns.TypeSRV:
		return e.srv, e.extra
	case mdns.TypeCNAME:
		return e.cname, nil
	case mdns.TypePTR:
		return e.ptr, nil
	}
	return nil, nil
}

// answerCNAME answers an ExternalName Service: the CNAME, then the target's
// records, looked up in the index when the target is a cluster name and
// upstream otherwise (a failed lookup still returns the CNAME).
func (s *Server) answerCNAME(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, name string, e *entry) {
	answer := append([]mdns.RR(nil), e.cname...)
	targetName := e.cname[0].(*mdns.CNAME).Target
	for hops := 0; hops < maxCNAMEChase; hops++ {
		if !inZone(targetName, s.set.zone) {
			if s.fwd != nil && s.fwd.enabled() {
				ctx, cancel := context.WithTimeout(context.Background(), s.set.fwdTimeout*2)
				m := new(mdns.Msg)
				m.SetQuestion(targetName, q.Qtype)
				m.RecursionDesired = true
				resp, err := s.resolveUpstream(ctx, m)
				cancel()
				if err == nil && resp.Rcode == mdns.RcodeSuccess {
					answer = append(answer, resp.Answer...)
				}
			}
			break
		}
		next := s.ix.lookup(targetName)
		if next == nil {
			break
		}
		if len(next.cname) > 0 {
			answer = append(answer, next.cname...)
			targetName = next.cname[0].(*mdns.CNAME).Target
			continue
		}
		got, _ := next.records(q.Qtype)
		answer = append(answer, got...)
		break
	}
	s.writeAnswer(w, r, q, name, s.set.zone, answer, nil)
}

// answerPod answers "1-2-3-4.ns.pod.<zone>" without looking at pods (the
// "pods insecure" mode kubeadm and k3s configure): the namespace must
// exist and the label must be an address.
func (s *Server) answerPod(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, name, rest string) {
	labels := strings.Split(rest, ".")
	podLabel, namespace := labels[0], labels[1]
	ip := podIP(podLabel)
	if ip == nil || !s.nsExists(namespace) {
		s.writeNXDomain(w, r, s.set.zone)
		return
	}
	var answer []mdns.RR
	rr := addressRR(name, ip.String(), s.set.ttl)
	if rr.Header().Rrtype == q.Qtype {
		answer = []mdns.RR{rr}
	}
	s.writeAnswer(w, r, q, name, s.set.zone, answer, nil)
}

// podIP turns a pod label back into its address: "1-2-3-4" or
// "fd00--1" (dashes for colons).
func podIP(label string) net.IP {
	var s string
	if strings.Count(label, "-") == 3 && !strings.Contains(label, "--") {
		s = strings.ReplaceAll(label, "-", ".")
	} else {
		s = strings.ReplaceAll(label, "-", ":")
	}
	return net.ParseIP(s)
}

// answerReverse answers PTR queries for the addresses of Services and
// endpoints; other addresses in the cluster ranges get NXDOMAIN and the
// rest are forwarded.
func (s *Server) answerReverse(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, name string) {
	if e := s.ix.lookup(name); e != nil {
		answer, _ := e.records(q.Qtype)
		s.writeAnswer(w, r, q, name, reverseZone(name, s.set.reverse), answer, nil)
		return
	}
	addr, ok := reverseAddr(name)
	if ok {
		for _, p := range s.set.reverse {
			if p.Contains(addr) {
				if !s.synced.Load() {
					s.writeRcode(w, r, mdns.RcodeServerFailure)
					return
				}
				s.writeNXDomain(w, r, reverseZone(name, s.set.reverse))
				return
			}
		}
	}
	s.forward(w, r)
}

// soa is the zone's SOA record, as CoreDNS builds it.
func (s *Server) soa(zone string) mdns.RR {
	return &mdns.SOA{
		Hdr:     hdr(zone, mdns.TypeSOA, s.set.ttl),
		Ns:      "ns.dns." + zone,
		Mbox:    "hostmaster." + zone,
		Serial:  s.ix.serial.Load(),
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  s.set.ttl,
	}
}

// writeAnswer writes an authoritative answer; no records means NODATA,
// with the SOA in the authority section.
func (s *Server) writeAnswer(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, name, zone string, answer, extra []mdns.RR) {
	m := new(mdns.Msg)
	m.SetReply(r)
	m.Authoritative, m.RecursionAvailable = true, true
	if len(answer) == 0 {
		m.Ns = []mdns.RR{s.soa(zone)}
	} else {
		m.Answer = withOwner(answer, name, q.Name)
		m.Extra = extra
	}
	s.write(w, r, m)
}

func (s *Server) writeNXDomain(w mdns.ResponseWriter, r *mdns.Msg, zone string) {
	m := new(mdns.Msg)
	m.SetRcode(r, mdns.RcodeNameError)
	m.Authoritative, m.RecursionAvailable = true, true
	m.Ns = []mdns.RR{s.soa(zone)}
	s.write(w, r, m)
}

func (s *Server) writeRcode(w mdns.ResponseWriter, r *mdns.Msg, rcode int) {
	m := new(mdns.Msg)
	m.SetRcode(r, rcode)
	m.RecursionAvailable = true
	s.write(w, r, m)
}

// write adds the OPT record an EDNS0 query asks for and truncates UDP
// answers to what the client can take.
func (s *Server) write(w mdns.ResponseWriter, r *mdns.Msg, m *mdns.Msg) {
	size := mdns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		if int(opt.UDPSize()) > size {
			size = int(opt.UDPSize())
		}
		if size > udpReadSize {
			size = udpReadSize
		}
		if m.IsEdns0() == nil {
			m.SetEdns0(uint16(size), opt.Do())
		}
	}
	zone := "."
	if len(r.Question) == 1 {
		zone = s.metricsZone(lowerName(r.Question[0].Name))
	}
	s.metrics.response(zone, m.Rcode, pluginKubernetes)
	records := len(m.Answer) + len(m.Ns) + len(m.Extra)
	// Name compression costs a map per message; one record gains little.
	m.Compress = records > 1
	if isUDP(w) && records > 4 {
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// withOwner returns rrs with owner name asked in place of the lowercase
// name when the query used other letter case (the records are shared and
// stay untouched).
func withOwner(rrs []mdns.RR, lower, asked string) []mdns.RR {
	if asked == lower {
		return rrs
	}
	out := make([]mdns.RR, len(rrs))
	for i, rr := range rrs {
		if rr.Header().Name == lower {
			rr = mdns.Copy(rr)
			rr.Header().Name = asked
		}
		out[i] = rr
	}
	return out
}

func isUDP(w mdns.ResponseWriter) bool {
	_, ok := w.RemoteAddr().(*net.UDPAddr)
	return ok
}

// lowerName lowercases an ASCII name, without allocating when it already
// is lowercase, and makes it fully qualified.
func lowerName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			return mdns.Fqdn(strings.ToLower(name))
		}
	}
	return mdns.Fqdn(name)
}

// inZone says whether the lowercase FQDN name is zone or below it.
func inZone(name, zone string) bool {
	return name == zone || (len(name) > len(zone) && strings.HasSuffix(name, zone) && name[len(name)-len(zone)-1] == '.')
}

func isReverseName(name string) bool {
	return strings.HasSuffix(name, ".in-addr.arpa.") || strings.HasSuffix(name, ".ip6.arpa.")
}

// nameKind is what a cluster name the index does not hold can still be.
type nameKind int

const (
	nameNX        nameKind = iota // NXDOMAIN
	nameNoData                    // "svc" or "pod" alone
	nameNamespace                 // "ns.svc" or "ns.pod": exists when the namespace does
	namePod                       // "label.ns.pod"
)

// classify sorts the part of a cluster name before the zone.
func classify(rest string) nameKind {
	labels := strings.Split(rest, ".")
	last := labels[len(labels)-1]
	if last != "svc" && last != "pod" {
		return nameNX
	}
	switch len(labels) {
	case 1:
		return nameNoData
	case 2:
		return nameNamespace
	case 3:
		if last == "pod" {
			return namePod
		}
	}
	return nameNX
}

// reverseAddr parses a full reverse name ("4.3.2.1.in-addr.arpa.").
func reverseAddr(name string) (netip.Addr, bool) {
	if strings.HasSuffix(name, ".in-addr.arpa.") {
		labels := strings.Split(strings.TrimSuffix(name, ".in-addr.arpa."), ".")
		if len(labels) != 4 {
			return netip.Addr{}, false
		}
		addr, err := netip.ParseAddr(labels[3] + "." + labels[2] + "." + labels[1] + "." + labels[0])
		return addr, err == nil
	}
	if strings.HasSuffix(name, ".ip6.arpa.") {
		nibbles := strings.Split(strings.TrimSuffix(name, ".ip6.arpa."), ".")
		if len(nibbles) != 32 {
			return netip.Addr{}, false
		}
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			if len(nibbles[i]) != 1 {
				return netip.Addr{}, false
			}
			b.WriteString(nibbles[i])
			if i%4 == 0 && i > 0 {
				b.WriteByte(':')
			}
		}
		addr, err := netip.ParseAddr(b.String())
		return addr, err == nil
	}
	return netip.Addr{}, false
}

// reverseZone is the reverse zone a negative answer for name carries in its
// SOA: the configured range holding the address, cut at a label boundary,
// or in-addr.arpa./ip6.arpa.
func reverseZone(name string, ranges []netip.Prefix) string {
	addr, ok := reverseAddr(name)
	if ok {
		for _, p := range ranges {
			if !p.Contains(addr) {
				continue
			}
			if addr.Is4() {
				octets := p.Bits() / 8
				parts := strings.Split(p.Addr().String(), ".")[:octets]
				zone := "in-addr.arpa."
				for _, o := range parts {
					zone = o + "." + zone
				}
				return zone
			}
			break
		}
	}
	if strings.HasSuffix(name, ".ip6.arpa.") {
		return "ip6.arpa."
	}
	return "in-addr.arpa."
}
