package dns

import (
	"errors"
	"fmt"
	"net"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/metricsreg"
)

// metrics are CoreDNS's request and response counters, same names and
// labels, so existing dashboards read them.
type metrics struct {
	server    string
	requests  *prometheus.CounterVec
	responses *prometheus.CounterVec
	forwards  *prometheus.CounterVec
}

// Plugin labels of the responses counter: who answered.
const (
	pluginKubernetes = "kubernetes"
	pluginForward    = "forward"
)

func newMetrics(reg prometheus.Registerer, server string) (*metrics, error) {
	m := &metrics{
		server: server,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "coredns", Subsystem: "dns", Name: "requests_total",
			Help: "Counter of DNS requests made per zone, protocol and family.",
		}, []string{"server", "zone", "view", "proto", "family", "type"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "coredns", Subsystem: "dns", Name: "responses_total",
			Help: "Counter of response status codes.",
		}, []string{"server", "zone", "view", "rcode", "plugin"}),
		forwards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "coredns", Subsystem: "forward", Name: "requests_total",
			Help: "Counter of requests made per upstream.",
		}, []string{"to"}),
	}
	if reg == nil {
		return m, nil
	}
	err := errors.Join(metricsreg.RegisterInto(reg, &m.requests), metricsreg.RegisterInto(reg, &m.responses), metricsreg.RegisterInto(reg, &m.forwards))
	if err != nil {
		return nil, fmt.Errorf("dns metrics: %w", err)
	}
	return m, nil
}

// metricsZone is the zone label: the cluster zone, a reverse zone or ".".
func (s *Server) metricsZone(name string) string {
	switch {
	case inZone(name, s.set.zone):
		return s.set.zone
	case isReverseName(name):
		if len(name) > 9 && name[len(name)-9:] == "ip6.arpa." {
			return "ip6.arpa."
		}
		return "in-addr.arpa."
	}
	return "."
}

func (m *metrics) request(w mdns.ResponseWriter, zone string, qtype uint16) {
	proto, family := "tcp", "1"
	var ip net.IP
	switch a := w.RemoteAddr().(type) {
	case *net.UDPAddr:
		proto, ip = "udp", a.IP
	case *net.TCPAddr:
		ip = a.IP
	}
	if ip != nil && ip.To4() == nil {
		family = "2"
	}
	m.requests.WithLabelValues(m.server, zone, "", proto, family, qtypeLabel(qtype)).Inc()
}

func (m *metrics) response(zone string, rcode int, plugin string) {
	m.responses.WithLabelValues(m.server, zone, "", mdns.RcodeToString[rcode], plugin).Inc()
}

// qtypeLabel keeps the type label's values few, as CoreDNS does: common
// types by name, the rest as "other".
func qtypeLabel(qtype uint16) string {
	switch qtype {
	case mdns.TypeA, mdns.TypeAAAA, mdns.TypeSRV, mdns.TypePTR, mdns.TypeCNAME, mdns.TypeTXT,
		mdns.TypeMX, mdns.TypeNS, mdns.TypeSOA, mdns.TypeANY, mdns.TypeHTTPS, mdns.TypeSVCB:
		return mdns.TypeToString[qtype]
	}
	return "other"
}
