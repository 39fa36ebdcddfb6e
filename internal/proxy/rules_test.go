package proxy

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// recordRunner is the fake at the OS edge for generation tests: it records
// what would be run and succeeds.
type recordRunner struct {
	calls []string
	input [][]byte
}

func (r *recordRunner) run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	r.calls = append(r.calls, name)
	r.input = append(r.input, stdin)
	return nil, nil
}
func (r *recordRunner) writeSysctl(context.Context, string, string) error { return nil }
func (r *recordRunner) has(string) bool                                   { return true }

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the generated rules (run go test -run %s -update to accept):\n--- got ---\n%s", path, t.Name(), got)
	}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func TestBuildServicePorts(t *testing.T) {
	fx := goldenFixtures()
	byName := map[string]fixture{}
	for _, f := range fx {
		byName[f.svc.Name] = f
	}
	ips := func(eps []endpoint) []string {
		var out []string
		for _, e := range eps {
			out = append(out, e.String())
		}
		return out
	}
	tests := []struct {
		svc             string
		ports           int
		cluster, local  []string
		external        []string
		extLocal, inLoc bool
	}{
		{svc: "web", ports: 1, cluster: []string{"10.42.0.11:8080", "10.42.0.12:8080"}, local: []string{"10.42.0.11:8080", "10.42.0.12:8080"}},
		{svc: "empty", ports: 1},
		{svc: "lb", ports: 1, cluster: []string{"10.42.0.11:8443", "10.42.1.21:8443"}, local: []string{"10.42.0.11:8443"}, external: []string{"192.168.77.100", "192.168.77.50"}, extLocal: true},
		{svc: "dns", ports: 1, cluster: []string{"10.42.0.11:5353", "10.42.1.21:5353"}, local: []string{"10.42.0.11:5353"}, inLoc: true},
		{svc: "draining", ports: 1, cluster: []string{"10.42.0.14:8080"}, local: []string{"10.42.0.14:8080"}},
		{svc: "headless", ports: 0},
		{svc: "ext", ports: 0},
	}
	for _, tt := range tests {
		t.Run(tt.svc, func(t *testing.T) {
			f := byName[tt.svc]
			got := buildServicePorts(f.svc, f.slices, testNode)
			if len(got) != tt.ports {
				t.Fatalf("got %d ports, want %d", len(got), tt.ports)
			}
			if tt.ports == 0 {
				return
			}
			sp := got[0]
			if g := ips(sp.ClusterEndpoints); !equalStrings(g, tt.cluster) {
				t.Errorf("cluster endpoints %v, want %v", g, tt.cluster)
			}
			if g := ips(sp.LocalEndpoints); !equalStrings(g, tt.local) {
				t.Errorf("local endpoints %v, want %v", g, tt.local)
			}
			if !equalStrings(sp.ExternalIPs, tt.external) {
				t.Errorf("external IPs %v, want %v", sp.ExternalIPs, tt.external)
			}
			if sp.ExternalLocal != tt.extLocal || sp.InternalLocal != tt.inLoc {
				t.Errorf("local policies ext=%v int=%v", sp.ExternalLocal, sp.InternalLocal)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func loadFixtures(b backend, fx []fixture) {
	for _, f := range fx {
		b.update(f.svc.Namespace+"/"+f.svc.Name, buildServicePorts(f.svc, f.slices, testNode))
	}
}

func TestNFTablesGolden(t *testing.T) {
	rr := &recordRunner{}
	b := newNFTBackend(rr, goldenParams, quietLogger())
	fx := goldenFixtures()
	loadFixtures(b, fx)
	tx, commit := b.fullTx(true)
	commit()
	b.synced = true
	checkGolden(t, "nftables-full.golden", tx)

	// One Service loses an endpoint, one is deleted, one is added: the
	// transaction touches only their elements and chains.
	web := fx[0]
	b.update("ns1/web", buildServicePorts(web.svc, []*discovery.EndpointSlice{newSlice("ns1", "web", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.12"})}, testNode))
	b.update("ns1/sticky", nil)
	b.update("ns1/new", buildServicePorts(newService("ns1", "new", "10.43.0.30", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}),
		[]*discovery.EndpointSlice{newSlice("ns1", "new", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.31"}, testEP{IP: "10.42.0.32"}, testEP{IP: "10.42.0.33"})}, testNode))
	inc, commit := b.incrementalTx()
	commit()
	checkGolden(t, "nftables-incremental.golden", inc)

	// Nothing pending: an empty transaction.
	again, _ := b.incrementalTx()
	if len(again) != 0 {
		t.Errorf("no change should give an empty transaction, got:\n%s", again)
	}
}

func TestIPTablesGolden(t *testing.T) {
	rr := &recordRunner{}
	b := newIPTBackend(rr, goldenParams, quietLogger())
	fx := goldenFixtures()
	loadFixtures(b, fx)
	in, commit := b.restoreInput(map[string]bool{"NAUTA-SVC-STALE": true}, map[string]bool{"NAUTA-FW-STALE": true}, true)
	commit()
	checkGolden(t, "iptables-full.golden", in)

	web := fx[0]
	b.update("ns1/web", buildServicePorts(web.svc, []*discovery.EndpointSlice{newSlice("ns1", "web", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.12"})}, testNode))
	b.update("ns1/sticky", nil)
	b.update("ns1/new", buildServicePorts(newService("ns1", "new", "10.43.0.30", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}),
		[]*discovery.EndpointSlice{newSlice("ns1", "new", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.31"})}, testNode))
	in, commit = b.restoreInput(nil, nil, false)
	commit()
	checkGolden(t, "iptables-partial.golden", in)
}

func TestStaleConntrack(t *testing.T) {
	fx := goldenFixtures()
	var dns fixture
	for _, f := range fx {
		if f.svc.Name == "dns" {
			dns = f
		}
	}
	dns.svc.Spec.InternalTrafficPolicy = nil
	before := buildServicePorts(dns.svc, dns.slices, testNode)
	after := buildServicePorts(dns.svc, []*discovery.EndpointSlice{newSlice("ns1", "dns", "a", "dns", v1.ProtocolUDP, 5353, testEP{IP: "10.42.0.11"})}, testNode)
	jobs := staleConntrack(before, after)
	if len(jobs) != 1 || jobs[0].EndpointIP != "10.42.1.21" || jobs[0].Target.IP != "10.43.0.15" {
		t.Fatalf("jobs = %+v, want one for 10.42.1.21 behind 10.43.0.15", jobs)
	}
	empty := buildServicePorts(dns.svc, nil, testNode)
	jobs = staleConntrack(empty, after)
	if len(jobs) != 1 || jobs[0].EndpointIP != "" {
		t.Fatalf("jobs = %+v, want one flush of the Service IP", jobs)
	}
}
