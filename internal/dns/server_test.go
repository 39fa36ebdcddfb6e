package dns

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/server/servertest"
)

// startDNS runs a DNS server against rc on a free loopback port until the
// test ends and returns it once ready.
func startDNS(t *testing.T, rc *rest.Config, cfg Config) (*Server, string) {
	t.Helper()
	cfg.RESTConfig = rc
	cfg.ListenAddrs = []string{"127.0.0.1:0"}
	if cfg.Logger == nil {
		cfg.Logger = servertest.Logger(t, slog.LevelWarn)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return")
		}
	})
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Run stopped before ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("dns server not ready")
	}
	return s, s.Addrs()[0].String()
}

// query asks addr one question over network ("udp" or "tcp").
func query(t testing.TB, addr, network, name string, qtype uint16, edns bool) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	if edns {
		m.SetEdns0(1232, false)
	}
	c := &mdns.Client{Net: network, Timeout: 5 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s over %s: %v", name, mdns.TypeToString[qtype], network, err)
	}
	return resp
}

// rrStrings renders records without owner and TTL ("A 10.0.0.1"), sorted.
func rrStrings(rrs []mdns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == mdns.TypeOPT {
			continue
		}
		f := strings.Fields(rr.String())
		out = append(out, strings.Join(f[3:], " "))
	}
	slices.Sort(out)
	return out
}

// fixtures creates the objects the record tests ask about and returns the
// ClusterIP the API server gave the web Service.
func fixtures(t *testing.T, client kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	services := []*v1.Service{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: v1.ServiceSpec{ClusterIP: "10.43.1.10", Ports: []v1.ServicePort{
				{Name: "http", Port: 80, Protocol: v1.ProtocolTCP},
				{Name: "syslog", Port: 514, Protocol: v1.ProtocolUDP},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "other"},
			Spec: v1.ServiceSpec{ClusterIP: v1.ClusterIPNone, Ports: []v1.ServicePort{
				{Name: "pg", Port: 5432, Protocol: v1.ProtocolTCP},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "early", Namespace: "other"},
			Spec: v1.ServiceSpec{ClusterIP: v1.ClusterIPNone, PublishNotReadyAddresses: true, Ports: []v1.ServicePort{
				{Name: "peer", Port: 2380, Protocol: v1.ProtocolTCP},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: "default"},
			Spec:       v1.ServiceSpec{ClusterIP: v1.ClusterIPNone, Ports: []v1.ServicePort{{Name: "x", Port: 1}}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default"},
			Spec:       v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: "example.com"},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "alias", Namespace: "default"},
			Spec:       v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: "web.default.svc.cluster.local"},
		},
	}
	for _, svc := range services {
		created, err := client.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create service %s/%s: %v", svc.Namespace, svc.Name, err)
		}
		if svc.Spec.ClusterIP != "" && created.Spec.ClusterIP != svc.Spec.ClusterIP {
			t.Fatalf("service %s got clusterIP %q, asked %q", svc.Name, created.Spec.ClusterIP, svc.Spec.ClusterIP)
		}
	}
	slices := []*discovery.EndpointSlice{
		testSlice("default", "web", "web-1", []testEndpoint{{ip: "10.42.0.5", ready: true}, {ip: "10.42.0.6"}},
			testPort("http", v1.ProtocolTCP, 8080), testPort("syslog", v1.ProtocolUDP, 5514)),
		testSlice("other", "db", "db-1", []testEndpoint{
			{ip: "10.42.1.1", host: "db-0", ready: true},
			{ip: "10.42.1.2", host: "db-1", ready: true},
			{ip: "10.42.1.3", host: "db-2"},
		}, testPort("pg", v1.ProtocolTCP, 5432)),
		testSlice("other", "early", "early-1", []testEndpoint{{ip: "10.42.2.1", host: "e-0"}}, testPort("peer", v1.ProtocolTCP, 2380)),
	}
	for _, s := range slices {
		if _, err := client.DiscoveryV1().EndpointSlices(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create endpointslice %s: %v", s.Name, err)
		}
	}
}

type testEndpoint struct {
	ip, host string
	ready    bool
}

func testPort(name string, proto v1.Protocol, port int32) discovery.EndpointPort {
	return discovery.EndpointPort{Name: &name, Protocol: &proto, Port: &port}
}

func testSlice(namespace, service, name string, eps []testEndpoint, ports ...discovery.EndpointPort) *discovery.EndpointSlice {
	s := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{
			discovery.LabelServiceName: service,
			discovery.LabelManagedBy:   "test.nauta.io",
		}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       ports,
	}
	for _, e := range eps {
		ready := e.ready
		ep := discovery.Endpoint{Addresses: []string{e.ip}, Conditions: discovery.EndpointConditions{Ready: &ready}}
		if e.host != "" {
			host := e.host
			ep.Hostname = &host
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	return s
}

// waitFor polls the server until check accepts the answer or timeout.
func waitFor(t *testing.T, addr, name string, qtype uint16, timeout time.Duration, check func(*mdns.Msg) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		resp := query(t, addr, "udp", name, qtype, false)
		if check(resp) {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s %s: still %s %v after %v", name, mdns.TypeToString[qtype], mdns.RcodeToString[resp.Rcode], rrStrings(resp.Answer), timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClusterRecords(t *testing.T) {
	rc := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(rc)
	up := startFakeUpstream(t)
	fixtures(t, client)
	reg := prometheus.NewRegistry()
	_, addr := startDNS(t, rc, Config{
		Upstreams:    []string{up.addr},
		ReverseCIDRs: []string{"10.43.0.0/16", "10.42.0.0/16"},
		Registerer:   reg,
	})
	// The informers synced before Ready, but the fixtures were written
	// just before: make sure the last one is in.
	waitFor(t, addr, "e-0.early.other.svc.cluster.local.", mdns.TypeA, 5*time.Second, func(m *mdns.Msg) bool { return len(m.Answer) > 0 })

	const (
		nx     = mdns.RcodeNameError
		ok     = mdns.RcodeSuccess
		web    = "web.default.svc.cluster.local."
		db     = "db.other.svc.cluster.local."
		weblow = "web.default.svc.cluster.local."
	)
	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		rcode  int
		answer []string
		extra  []string
		// soa: the authority section carries the zone's SOA (negative
		// answers).
		soa bool
	}{
		{"service A", web, mdns.TypeA, ok, []string{"A 10.43.1.10"}, nil, false},
		{"service AAAA is NODATA", web, mdns.TypeAAAA, ok, nil, nil, true},
		{"service MX is NODATA", web, mdns.TypeMX, ok, nil, nil, true},
		{"service SRV lists every port", web, mdns.TypeSRV, ok,
			[]string{"SRV 0 50 514 " + weblow, "SRV 0 50 80 " + weblow}, []string{"A 10.43.1.10"}, false},
		{"named port SRV", "_http._tcp." + web, mdns.TypeSRV, ok, []string{"SRV 0 100 80 " + weblow}, []string{"A 10.43.1.10"}, false},
		{"named UDP port SRV", "_syslog._udp." + web, mdns.TypeSRV, ok, []string{"SRV 0 100 514 " + weblow}, []string{"A 10.43.1.10"}, false},
		{"named port A gives the ClusterIP", "_http._tcp." + web, mdns.TypeA, ok, []string{"A 10.43.1.10"}, nil, false},
		{"port with wrong protocol", "_http._udp." + web, mdns.TypeSRV, nx, nil, nil, true},
		{"unknown port", "_nope._tcp." + web, mdns.TypeSRV, nx, nil, nil, true},
		{"endpoint of a ClusterIP service", "10-42-0-5." + web, mdns.TypeA, ok, []string{"A 10.42.0.5"}, nil, false},
		{"not-ready endpoint", "10-42-0-6." + web, mdns.TypeA, nx, nil, nil, true},
		{"mixed case", "WEB.Default.SVC.Cluster.Local.", mdns.TypeA, ok, []string{"A 10.43.1.10"}, nil, false},
		{"headless A lists ready endpoints", db, mdns.TypeA, ok, []string{"A 10.42.1.1", "A 10.42.1.2"}, nil, false},
		{"headless SRV", "_pg._tcp." + db, mdns.TypeSRV, ok,
			[]string{"SRV 0 50 5432 db-0." + db, "SRV 0 50 5432 db-1." + db}, []string{"A 10.42.1.1", "A 10.42.1.2"}, false},
		{"hostname.subdomain", "db-1." + db, mdns.TypeA, ok, []string{"A 10.42.1.2"}, nil, false},
		{"hostname of a not-ready endpoint", "db-2." + db, mdns.TypeA, nx, nil, nil, true},
		{"publishNotReadyAddresses", "early.other.svc.cluster.local.", mdns.TypeA, ok, []string{"A 10.42.2.1"}, nil, false},
		{"headless without endpoints", "empty.default.svc.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"missing service", "nope.default.svc.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"search path miss", "google.com.default.svc.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"search path miss svc", "google.com.svc.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"search path miss zone", "google.com.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"namespace is NODATA", "default.svc.cluster.local.", mdns.TypeA, ok, nil, nil, true},
		{"missing namespace", "nope.svc.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"svc label alone", "svc.cluster.local.", mdns.TypeA, ok, nil, nil, true},
		{"zone SOA", "cluster.local.", mdns.TypeSOA, ok, []string{"SOA ns.dns.cluster.local. hostmaster.cluster.local."}, nil, false},
		{"zone A is NODATA", "cluster.local.", mdns.TypeA, ok, nil, nil, true},
		{"dns-version", "dns-version.cluster.local.", mdns.TypeTXT, ok, []string{`TXT "1.1.0"`}, nil, false},
		{"dns-version A", "dns-version.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"ANY is NODATA", web, mdns.TypeANY, ok, nil, nil, true},
		{"pod A", "10-42-0-9.default.pod.cluster.local.", mdns.TypeA, ok, []string{"A 10.42.0.9"}, nil, false},
		{"pod AAAA", "fd00--9.default.pod.cluster.local.", mdns.TypeAAAA, ok, []string{"AAAA fd00::9"}, nil, false},
		{"pod AAAA of an IPv4 pod", "10-42-0-9.default.pod.cluster.local.", mdns.TypeAAAA, ok, nil, nil, true},
		{"pod in missing namespace", "10-42-0-9.nope.pod.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"pod label not an address", "web.default.pod.cluster.local.", mdns.TypeA, nx, nil, nil, true},
		{"ExternalName CNAME", "ext.default.svc.cluster.local.", mdns.TypeCNAME, ok, []string{"CNAME example.com."}, nil, false},
		{"ExternalName A follows upstream", "ext.default.svc.cluster.local.", mdns.TypeA, ok, []string{"A " + upstreamIP, "CNAME example.com."}, nil, false},
		{"ExternalName to a cluster name", "alias.default.svc.cluster.local.", mdns.TypeA, ok, []string{"A 10.43.1.10", "CNAME " + weblow}, nil, false},
		{"PTR of a ClusterIP", "10.1.43.10.in-addr.arpa.", mdns.TypePTR, ok, []string{"PTR " + weblow}, nil, false},
		{"PTR of an endpoint", "5.0.42.10.in-addr.arpa.", mdns.TypePTR, ok, []string{"PTR 10-42-0-5." + weblow}, nil, false},
		{"PTR of a headless endpoint", "1.1.42.10.in-addr.arpa.", mdns.TypePTR, ok, []string{"PTR db-0." + db}, nil, false},
		{"PTR of an unused service address", "9.9.43.10.in-addr.arpa.", mdns.TypePTR, nx, nil, nil, false},
		{"forwarded", "example.com.", mdns.TypeA, ok, []string{"A " + upstreamIP}, nil, false},
		{"forwarded NXDOMAIN", "nothing.example.org.", mdns.TypeA, nx, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := query(t, addr, "udp", tt.qname, tt.qtype, false)
			if resp.Rcode != tt.rcode {
				t.Fatalf("rcode %s, want %s (answer %v)", mdns.RcodeToString[resp.Rcode], mdns.RcodeToString[tt.rcode], rrStrings(resp.Answer))
			}
			got := rrStrings(resp.Answer)
			if tt.qtype == mdns.TypeSOA {
				for i, s := range got {
					f := strings.Fields(s)
					got[i] = strings.Join(f[:3], " ")
				}
			}
			want := append([]string(nil), tt.answer...)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("answer %v, want %v", got, want)
			}
			if tt.extra != nil {
				if extra := rrStrings(resp.Extra); !slices.Equal(extra, tt.extra) {
					t.Errorf("extra %v, want %v", extra, tt.extra)
				}
			}
			if tt.soa {
				if !resp.Authoritative {
					t.Errorf("negative answer not authoritative")
				}
				if len(resp.Ns) != 1 || resp.Ns[0].Header().Rrtype != mdns.TypeSOA || resp.Ns[0].Header().Name != "cluster.local." {
					t.Errorf("authority %v, want the cluster.local. SOA", resp.Ns)
				}
			}
			for _, rr := range resp.Answer {
				inCluster := strings.HasSuffix(strings.ToLower(rr.Header().Name), "cluster.local.")
				if inCluster && rr.Header().Rrtype != mdns.TypeTXT && rr.Header().Ttl != DefaultTTL {
					t.Errorf("TTL %d, want %d: %v", rr.Header().Ttl, DefaultTTL, rr)
				}
			}
		})
	}

	t.Run("answer keeps the asked letter case", func(t *testing.T) {
		resp := query(t, addr, "udp", "WEB.Default.svc.cluster.local.", mdns.TypeA, false)
		if len(resp.Answer) != 1 || resp.Answer[0].Header().Name != "WEB.Default.svc.cluster.local." {
			t.Errorf("answer %v", resp.Answer)
		}
	})
	t.Run("tcp", func(t *testing.T) {
		resp := query(t, addr, "tcp", web, mdns.TypeA, false)
		if got := rrStrings(resp.Answer); !slices.Equal(got, []string{"A 10.43.1.10"}) {
			t.Errorf("answer %v", got)
		}
	})
	t.Run("edns0", func(t *testing.T) {
		resp := query(t, addr, "udp", web, mdns.TypeA, true)
		opt := resp.IsEdns0()
		if opt == nil || opt.UDPSize() != 1232 {
			t.Errorf("OPT %v, want one with size 1232", opt)
		}
		if resp := query(t, addr, "udp", web, mdns.TypeA, false); resp.IsEdns0() != nil {
			t.Errorf("OPT in the answer to a query without one")
		}
	})
	t.Run("search path miss never reaches upstream", func(t *testing.T) {
		if up.wasAsked("google.com.default.svc.cluster.local.") {
			t.Errorf("upstream was asked a cluster name")
		}
	})
	t.Run("upstream answers are cached", func(t *testing.T) {
		query(t, addr, "udp", "example.com.", mdns.TypeA, false)
		before := up.udpHits.Load()
		resp := query(t, addr, "udp", "EXAMPLE.com.", mdns.TypeA, false)
		if got := rrStrings(resp.Answer); !slices.Equal(got, []string{"A " + upstreamIP}) {
			t.Errorf("answer %v", got)
		}
		if resp.Question[0].Name != "EXAMPLE.com." {
			t.Errorf("question %v, want the one asked", resp.Question[0])
		}
		if resp.Answer[0].Header().Ttl > 30 {
			t.Errorf("TTL %d above the cache's 30 s", resp.Answer[0].Header().Ttl)
		}
		if up.udpHits.Load() != before {
			t.Errorf("cached answer asked upstream again")
		}
	})
	t.Run("metrics", func(t *testing.T) {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				found[f.GetName()] += m.GetCounter().GetValue()
			}
		}
		for _, name := range []string{"coredns_dns_requests_total", "coredns_dns_responses_total", "coredns_forward_requests_total"} {
			if found[name] == 0 {
				t.Errorf("%s not counted (have %v)", name, found)
			}
		}
	})
	t.Run("truncated upstream answer is retried over TCP", func(t *testing.T) {
		before := up.tcpHits.Load()
		resp := query(t, addr, "tcp", "big.example.com.", mdns.TypeTXT, false)
		if len(resp.Answer) != bigTXTCount {
			t.Errorf("%d TXT records, want %d", len(resp.Answer), bigTXTCount)
		}
		if up.tcpHits.Load() == before {
			t.Errorf("no TCP query upstream")
		}
		// Over UDP without EDNS0 the client gets TC and retries on TCP.
		resp = query(t, addr, "udp", "big.example.com.", mdns.TypeTXT, false)
		if !resp.Truncated {
			t.Errorf("UDP answer of %d records not truncated", len(resp.Answer))
		}
	})
}

func TestUpdatesFollowTheAPI(t *testing.T) {
	rc := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(rc)
	_, addr := startDNS(t, rc, Config{Upstreams: []string{"127.0.0.1:1"}})
	ctx := context.Background()
	name := "fresh.default.svc.cluster.local."

	if resp := query(t, addr, "udp", name, mdns.TypeA, false); resp.Rcode != mdns.RcodeNameError {
		t.Fatalf("before create: %s", mdns.RcodeToString[resp.Rcode])
	}
	svc := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "fresh", Namespace: "default"},
		Spec:       v1.ServiceSpec{ClusterIP: "10.43.7.7", Ports: []v1.ServicePort{{Name: "http", Port: 80}}},
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, addr, name, mdns.TypeA, time.Second, func(m *mdns.Msg) bool {
		return slices.Equal(rrStrings(m.Answer), []string{"A 10.43.7.7"})
	})
	t.Logf("new service resolvable after %v", took)

	// Endpoints appear and go with their slice.
	sl := testSlice("default", "fresh", "fresh-1", []testEndpoint{{ip: "10.42.3.3", host: "h", ready: true}}, testPort("http", v1.ProtocolTCP, 80))
	if _, err := client.DiscoveryV1().EndpointSlices("default").Create(ctx, sl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, addr, "h."+name, mdns.TypeA, time.Second, func(m *mdns.Msg) bool { return len(m.Answer) == 1 })
	waitFor(t, addr, "3.3.42.10.in-addr.arpa.", mdns.TypePTR, time.Second, func(m *mdns.Msg) bool { return len(m.Answer) == 1 })
	if err := client.DiscoveryV1().EndpointSlices("default").Delete(ctx, "fresh-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, addr, "h."+name, mdns.TypeA, time.Second, func(m *mdns.Msg) bool { return m.Rcode == mdns.RcodeNameError })

	if err := client.CoreV1().Services("default").Delete(ctx, "fresh", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	took = waitFor(t, addr, name, mdns.TypeA, time.Second, func(m *mdns.Msg) bool { return m.Rcode == mdns.RcodeNameError })
	t.Logf("deleted service gone after %v", took)
	waitFor(t, addr, "7.7.43.10.in-addr.arpa.", mdns.TypePTR, time.Second, func(m *mdns.Msg) bool {
		return len(m.Answer) == 0
	})

	// A namespace appears: its NODATA/NXDOMAIN changes.
	if _, err := client.CoreV1().Namespaces().Create(ctx, &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, addr, "late.svc.cluster.local.", mdns.TypeA, time.Second, func(m *mdns.Msg) bool { return m.Rcode == mdns.RcodeSuccess })
}

func TestNotReadyBeforeSync(t *testing.T) {
	// A server whose API server never answers serves SERVFAIL for cluster
	// names rather than wrong NXDOMAINs, and still forwards.
	up := startFakeUpstream(t)
	s, err := New(Config{
		RESTConfig:  &rest.Config{Host: "https://127.0.0.1:1"},
		ListenAddrs: []string{"127.0.0.1:0"},
		Upstreams:   []string{up.addr},
		Logger:      servertest.Logger(t, slog.LevelError),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Addrs()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(s.Addrs()) == 0 {
		t.Fatal("not listening")
	}
	addr := s.Addrs()[0].String()
	if resp := query(t, addr, "udp", "web.default.svc.cluster.local.", mdns.TypeA, false); resp.Rcode != mdns.RcodeServerFailure {
		t.Errorf("cluster name before sync: %s, want SERVFAIL", mdns.RcodeToString[resp.Rcode])
	}
	if resp := query(t, addr, "udp", "example.com.", mdns.TypeA, false); len(resp.Answer) != 1 {
		t.Errorf("forwarding before sync: %v", resp)
	}
	select {
	case <-s.Ready():
		t.Errorf("ready without an API server")
	default:
	}
}

func TestConfigValidation(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:1"}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"minimal", Config{RESTConfig: rc, ListenAddrs: []string{"127.0.0.1:0"}}, true},
		{"no rest config", Config{ListenAddrs: []string{"127.0.0.1:0"}}, false},
		{"no listen address", Config{RESTConfig: rc}, false},
		{"listen on a name", Config{RESTConfig: rc, ListenAddrs: []string{"localhost:53"}}, false},
		{"bad upstream", Config{RESTConfig: rc, ListenAddrs: []string{"127.0.0.1:0"}, Upstreams: []string{"dns.google"}}, false},
		{"upstream without port", Config{RESTConfig: rc, ListenAddrs: []string{"127.0.0.1:0"}, Upstreams: []string{"10.0.0.1"}}, true},
		{"bad reverse CIDR", Config{RESTConfig: rc, ListenAddrs: []string{"127.0.0.1:0"}, ReverseCIDRs: []string{"10.43.0.0"}}, false},
		{"bad domain", Config{RESTConfig: rc, ListenAddrs: []string{"127.0.0.1:0"}, ClusterDomain: "a..b"}, false},
		{"publish", Config{RESTConfig: rc, ListenAddrs: []string{"10.0.0.5:10053"}, Publish: &PublishConfig{NodeName: "n"}}, true},
		{"publish without node", Config{RESTConfig: rc, ListenAddrs: []string{"10.0.0.5:10053"}, Publish: &PublishConfig{}}, false},
		{"publish from a wildcard listener needs an address", Config{RESTConfig: rc, ListenAddrs: []string{"0.0.0.0:10053"}, Publish: &PublishConfig{NodeName: "n"}}, false},
		{"publish from a wildcard listener", Config{RESTConfig: rc, ListenAddrs: []string{"0.0.0.0:10053"}, Publish: &PublishConfig{NodeName: "n", Address: "10.0.0.5"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestResolvConfUpstreams(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/resolv.conf"
	content := "nameserver 10.43.0.10\nnameserver 127.0.0.1\nnameserver 192.0.2.53\nsearch example.org\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	bound := []net.Addr{&net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: 53}}
	got, err := resolvConfUpstreams(path, bound, "10.43.0.10")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"192.0.2.53:53"}; !slices.Equal(got, want) {
		t.Errorf("upstreams %v, want %v", got, want)
	}
}
