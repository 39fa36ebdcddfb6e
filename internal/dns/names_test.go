package dns

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	mdns "github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		rest string
		want nameKind
	}{
		{"svc", nameNoData},
		{"pod", nameNoData},
		{"default.svc", nameNamespace},
		{"default.pod", nameNamespace},
		{"1-2-3-4.default.pod", namePod},
		{"web.default.svc", nameNX}, // a Service the index does not hold
		{"google.com.default.svc", nameNX},
		{"google.com", nameNX},
		{"a.b.c.d.e.svc", nameNX},
	}
	for _, tt := range tests {
		t.Run(tt.rest, func(t *testing.T) {
			if got := classify(tt.rest); got != tt.want {
				t.Errorf("classify(%q) = %v, want %v", tt.rest, got, tt.want)
			}
		})
	}
}

func TestPodIP(t *testing.T) {
	tests := []struct{ label, want string }{
		{"10-42-0-9", "10.42.0.9"},
		{"fd00--9", "fd00::9"},
		{"2001-db8-0-0-0-0-0-1", "2001:db8::1"},
		{"10-42-0", ""},
		{"web", ""},
		{"1-2-3-4-5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			got := podIP(tt.label)
			if (got == nil) != (tt.want == "") || (got != nil && got.String() != tt.want) {
				t.Errorf("podIP(%q) = %v, want %q", tt.label, got, tt.want)
			}
		})
	}
}

func TestReverseNames(t *testing.T) {
	ranges := []netip.Prefix{netip.MustParsePrefix("10.43.0.0/16"), netip.MustParsePrefix("10.42.0.0/16")}
	tests := []struct {
		name     string
		addr     string
		zone     string
		complete bool
	}{
		{"10.1.43.10.in-addr.arpa.", "10.43.1.10", "43.10.in-addr.arpa.", true},
		{"8.8.8.8.in-addr.arpa.", "8.8.8.8", "in-addr.arpa.", true},
		{"43.10.in-addr.arpa.", "", "in-addr.arpa.", false},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "fd00::1", "ip6.arpa.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ok := reverseAddr(tt.name)
			if ok != tt.complete || (ok && addr.String() != tt.addr) {
				t.Errorf("reverseAddr = %v, %v; want %q, %v", addr, ok, tt.addr, tt.complete)
			}
			if got := reverseZone(tt.name, ranges); got != tt.zone {
				t.Errorf("reverseZone = %q, want %q", got, tt.zone)
			}
		})
	}
}

func TestInZoneAndLowerName(t *testing.T) {
	zone := "cluster.local."
	for name, want := range map[string]bool{
		"cluster.local.":          true,
		"a.cluster.local.":        true,
		"mycluster.local.":        false,
		"cluster.local.example.":  false,
		"web.default.svc.local.":  false,
		"x.default.svc.cluster.l": false,
	} {
		if got := inZone(name, zone); got != want {
			t.Errorf("inZone(%q) = %v, want %v", name, got, want)
		}
	}
	if got := lowerName("Web.Default.SVC.cluster.local"); got != "web.default.svc.cluster.local." {
		t.Errorf("lowerName = %q", got)
	}
}

func TestPTRPrecedence(t *testing.T) {
	ix := newIndex(5)
	zone := "cluster.local."
	svc := func(name, clusterIP string) *v1.Service {
		return &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
			Spec:       v1.ServiceSpec{ClusterIP: clusterIP, Ports: []v1.ServicePort{{Name: "p", Port: 1}}},
		}
	}
	sl := func(service string) []*discovery.EndpointSlice {
		return []*discovery.EndpointSlice{testSlice("ns", service, service+"-1", []testEndpoint{{ip: "10.42.0.1", ready: true}}, testPort("p", v1.ProtocolTCP, 1))}
	}
	ptrs := func() []string {
		e := ix.lookup("1.0.42.10.in-addr.arpa.")
		if e == nil {
			return nil
		}
		return rrStrings(e.ptr)
	}
	// Two Services share an endpoint: both names.
	ix.apply("ns/a", buildServiceRecords(svc("a", "None"), sl("a"), zone, 5))
	ix.apply("ns/b", buildServiceRecords(svc("b", "None"), sl("b"), zone, 5))
	want := []string{"PTR 10-42-0-1.a.ns.svc.cluster.local.", "PTR 10-42-0-1.b.ns.svc.cluster.local."}
	if got := ptrs(); !slices.Equal(got, want) {
		t.Errorf("shared endpoint: %v, want %v", got, want)
	}
	// One goes: the other stays.
	ix.apply("ns/a", nil)
	if got := ptrs(); !slices.Equal(got, want[1:]) {
		t.Errorf("after delete: %v, want %v", got, want[1:])
	}
	// The last goes: the name goes.
	ix.apply("ns/b", nil)
	if got := ptrs(); got != nil {
		t.Errorf("after both deleted: %v", got)
	}
	if n := len(ix.names); n != 0 {
		t.Errorf("%d names left in the index", n)
	}
}

func TestEndpointsSubsets(t *testing.T) {
	ports := []v1.EndpointPort{{Name: "dns", Protocol: v1.ProtocolUDP, Port: 10053}, {Name: "dns-tcp", Protocol: v1.ProtocolTCP, Port: 10053}}
	other := []v1.EndpointPort{{Name: "dns", Protocol: v1.ProtocolUDP, Port: 53}}
	addr := func(ip string) v1.EndpointAddress { return v1.EndpointAddress{IP: ip} }
	ips := func(ss []v1.EndpointSubset) [][]string {
		var out [][]string
		for _, s := range ss {
			var l []string
			for _, a := range s.Addresses {
				l = append(l, a.IP)
			}
			out = append(out, l)
		}
		return out
	}
	tests := []struct {
		name string
		in   []v1.EndpointSubset
		want [][]string
	}{
		{"empty", nil, [][]string{{"10.0.0.5"}}},
		{"joins the subset with the same ports", []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr("10.0.0.6")}, Ports: ports}}, [][]string{{"10.0.0.5", "10.0.0.6"}}},
		{"already there", []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr("10.0.0.5")}, Ports: ports}}, [][]string{{"10.0.0.5"}}},
		{"moves out of a subset with other ports", []v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr("10.0.0.5"), addr("10.0.0.7")}, Ports: other}},
			[][]string{{"10.0.0.7"}, {"10.0.0.5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ips(withAddress(tt.in, addr("10.0.0.5"), ports))
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := withoutAddress([]v1.EndpointSubset{{Addresses: []v1.EndpointAddress{addr("10.0.0.5")}, Ports: ports}}, "10.0.0.5"); len(got) != 0 {
		t.Errorf("withoutAddress left %v", got)
	}
}

func TestServiceIPFromRange(t *testing.T) {
	tests := []struct{ cidr, want string }{
		{"10.43.0.0/16", "10.43.0.10"},
		{"10.96.0.0/12", "10.96.0.10"},
		{"fd00:43::/112", "fd00:43::a"},
		{"10.0.0.0/29", ""},
		{"nonsense", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			got, err := ServiceIPFromRange(tt.cidr)
			if (err != nil) != (tt.want == "") || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBuildServiceRecords(t *testing.T) {
	zone := "cluster.local."
	base := "s.ns.svc.cluster.local."
	tests := []struct {
		name   string
		svc    v1.ServiceSpec
		slices []*discovery.EndpointSlice
		// want maps owner names to their A, AAAA and CNAME records;
		// names not listed must not exist.
		want map[string][]string
		ptrs []string
	}{
		{
			name: "dual-stack ClusterIP",
			svc:  v1.ServiceSpec{ClusterIP: "10.43.0.5", ClusterIPs: []string{"10.43.0.5", "fd00:43::5"}, Ports: []v1.ServicePort{{Name: "http", Port: 80}}},
			want: map[string][]string{
				base:                 {"A 10.43.0.5", "AAAA fd00:43::5"},
				"_http._tcp." + base: {"A 10.43.0.5", "AAAA fd00:43::5"},
			},
			ptrs: []string{"10.43.0.5", "fd00:43::5"},
		},
		{
			name: "ExternalName that is an address gets nothing",
			svc:  v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: "1.2.3.4"},
			want: map[string][]string{},
		},
		{
			name: "headless: missing ready condition counts as ready, FQDN slices ignored",
			svc:  v1.ServiceSpec{ClusterIP: "None"},
			slices: []*discovery.EndpointSlice{
				{
					ObjectMeta:  metav1.ObjectMeta{Name: "a"},
					AddressType: discovery.AddressTypeIPv6,
					Endpoints:   []discovery.Endpoint{{Addresses: []string{"fd00::7"}}},
				},
				{
					ObjectMeta:  metav1.ObjectMeta{Name: "b"},
					AddressType: discovery.AddressTypeFQDN,
					Endpoints:   []discovery.Endpoint{{Addresses: []string{"example.com"}}},
				},
			},
			want: map[string][]string{
				base:              {"AAAA fd00::7"},
				"fd00--7." + base: {"AAAA fd00::7"},
			},
			ptrs: []string{"fd00::7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &v1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Spec: tt.svc}
			recs := buildServiceRecords(svc, tt.slices, zone, 5)
			if len(recs.names) != len(tt.want) {
				t.Errorf("names %v, want %v", keys(recs.names), tt.want)
			}
			for name, want := range tt.want {
				e := recs.names[name]
				if e == nil {
					t.Errorf("%s missing", name)
					continue
				}
				got := rrStrings(append(append(append([]mdns.RR(nil), e.a...), e.aaaa...), e.cname...))
				if !slices.Equal(got, want) {
					t.Errorf("%s: %v, want %v", name, got, want)
				}
			}
			var ptrs []string
			for ip := range recs.ptrs {
				ptrs = append(ptrs, ip)
			}
			slices.Sort(ptrs)
			if !slices.Equal(ptrs, tt.ptrs) {
				t.Errorf("ptrs %v, want %v", ptrs, tt.ptrs)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// capturingWriter keeps the message written, as a UDP or TCP client sees
// it.
type capturingWriter struct {
	packingWriter
	msg *mdns.Msg
}

func (w *capturingWriter) WriteMsg(m *mdns.Msg) error {
	w.msg = m
	return w.packingWriter.WriteMsg(m)
}

func TestLargeAnswersTruncateOverUDP(t *testing.T) {
	s := newIndexedServer(t, 0)
	var eps []testEndpoint
	for i := range 60 {
		eps = append(eps, testEndpoint{ip: fmt.Sprintf("10.42.9.%d", i+1), ready: true})
	}
	svc := &v1.Service{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns"}, Spec: v1.ServiceSpec{ClusterIP: "None"}}
	s.ix.apply("ns/big", buildServiceRecords(svc, []*discovery.EndpointSlice{testSlice("ns", "big", "big-1", eps)}, s.set.zone, 5))

	udp := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
	tcp := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
	tests := []struct {
		name      string
		remote    net.Addr
		edns      uint16
		truncated bool
		answers   int
	}{
		{"udp without EDNS0", udp, 0, true, -1},
		{"udp with a 4096 byte buffer", udp, 4096, false, 60},
		{"tcp", tcp, 0, false, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := new(mdns.Msg).SetQuestion("big.ns.svc.cluster.local.", mdns.TypeA)
			if tt.edns > 0 {
				req.SetEdns0(tt.edns, false)
			}
			w := &capturingWriter{packingWriter: packingWriter{remote: tt.remote}}
			s.ServeDNS(w, req)
			if w.msg.Truncated != tt.truncated {
				t.Errorf("truncated = %v, want %v", w.msg.Truncated, tt.truncated)
			}
			if tt.answers >= 0 && len(w.msg.Answer) != tt.answers {
				t.Errorf("%d answers, want %d", len(w.msg.Answer), tt.answers)
			}
			if packed, _ := w.msg.Pack(); tt.truncated && len(packed) > mdns.MinMsgSize {
				t.Errorf("%d bytes over UDP without EDNS0", len(packed))
			}
		})
	}
}
