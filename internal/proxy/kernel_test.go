package proxy

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

var kernelPods = map[string]string{"p1": "10.42.0.11", "p2": "10.42.0.12", "c": "10.42.0.13"}

func kernelFixtures() []fixture {
	both := func(svc, port string, proto v1.Protocol, target int32) []*discovery.EndpointSlice {
		return []*discovery.EndpointSlice{newSlice("ns1", svc, "a", port, proto, target, testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.0.12"})}
	}
	return []fixture{
		{newService("ns1", "web", "10.43.0.10", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}), both("web", "http", v1.ProtocolTCP, 8080)},
		{newService("ns1", "empty", "10.43.0.11", []v1.ServicePort{tcpPort("http", 80, 8080, 30084)}, withType(v1.ServiceTypeNodePort)), nil},
		{newService("ns1", "np", "10.43.0.12", []v1.ServicePort{tcpPort("http", 80, 8080, 30080)}, withType(v1.ServiceTypeNodePort)), both("np", "http", v1.ProtocolTCP, 8080)},
		{newService("ns1", "lb", "10.43.0.13", []v1.ServicePort{tcpPort("http", 80, 8080, 30081)},
			withType(v1.ServiceTypeLoadBalancer), withIngress("192.168.78.100"), withExternalIPs("192.168.78.50")), both("lb", "http", v1.ProtocolTCP, 8080)},
		{newService("ns1", "sticky", "10.43.0.14", []v1.ServicePort{tcpPort("http", 80, 8080, 30082)}, withType(v1.ServiceTypeNodePort), withAffinity(600)),
			both("sticky", "http", v1.ProtocolTCP, 8080)},
		{newService("ns1", "dns", "10.43.0.15", []v1.ServicePort{udpPort("dns", 53, 5353)}), both("dns", "dns", v1.ProtocolUDP, 5353)},
		{newService("ns1", "self", "10.43.0.18", []v1.ServicePort{tcpPort("http", 80, 8080, 0)}),
			[]*discovery.EndpointSlice{newSlice("ns1", "self", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.11"})}},
		{newService("ns1", "local", "10.43.0.19", []v1.ServicePort{tcpPort("http", 80, 8080, 30083)},
			withType(v1.ServiceTypeLoadBalancer), withIngress("192.168.78.101"), withExternalLocal()),
			[]*discovery.EndpointSlice{newSlice("ns1", "local", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.1.99", Node: "node2"})}},
		{newService("ns1", "fwdeny", "10.43.0.21", []v1.ServicePort{tcpPort("http", 80, 8080, 30085)},
			withType(v1.ServiceTypeLoadBalancer), withIngress("192.168.78.102"), withSourceRanges("10.99.0.0/16")), both("fwdeny", "http", v1.ProtocolTCP, 8080)},
		{newService("ns1", "fwallow", "10.43.0.22", []v1.ServicePort{tcpPort("http", 80, 8080, 30086)},
			withType(v1.ServiceTypeLoadBalancer), withIngress("192.168.78.103"), withSourceRanges("10.99.0.0/16", "192.168.77.0/24")), both("fwallow", "http", v1.ProtocolTCP, 8080)},
	}
}

func newBackend(mode string, r runner, params nftParams) backend {
	if mode == ModeIPTables {
		return newIPTBackend(r, params, quietLogger())
	}
	return newNFTBackend(r, params, quietLogger())
}

func TestKernelRules(t *testing.T) {
	requireKernelTools(t)
	for _, mode := range []string{ModeNFTables, ModeIPTables} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			topo := newTopology(t, kernelPods)
			serve(t, topo.Pods["p1"], "p1", 8080, 5353)
			serve(t, topo.Pods["p2"], "p2", 8080, 5353)
			serve(t, topo.Pods["p1"], "p1b", 8081, 5354)
			r := runnerIn(topo.Host)
			setSysctls(ctx, r, quietLogger())
			params := nftParams{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", NodeIPs: []string{topo.HostIP}}
			b := newBackend(mode, r, params)
			fx := kernelFixtures()
			loadFixtures(b, fx)
			if err := b.sync(ctx, true); err != nil {
				t.Fatalf("full sync: %v", err)
			}
			client := topo.Pods["c"]

			reach := func(t *testing.T, ns, addr string, n int) map[string]int {
				t.Helper()
				seen := map[string]int{}
				for range n {
					who, _, err := dialTCP(ns, addr, 3*time.Second)
					if err != nil {
						t.Fatalf("dial %s from %s: %v", addr, ns, err)
					}
					seen[who]++
				}
				return seen
			}

			t.Run("ClusterIP balances over endpoints", func(t *testing.T) {
				seen := reach(t, client, "10.43.0.10:80", 30)
				if seen["p1"] == 0 || seen["p2"] == 0 {
					t.Errorf("want both endpoints, got %v", seen)
				}
			})
			t.Run("ClusterIP from the node itself", func(t *testing.T) {
				reach(t, topo.Host, "10.43.0.10:80", 3)
			})
			t.Run("no endpoints is refused at once", func(t *testing.T) {
				for _, target := range []struct{ ns, addr string }{{client, "10.43.0.11:80"}, {topo.Ext, topo.HostIP + ":30084"}} {
					start := time.Now()
					_, _, err := dialTCP(target.ns, target.addr, 5*time.Second)
					if !errors.Is(err, syscall.ECONNREFUSED) {
						t.Errorf("%s: want connection refused, got %v", target.addr, err)
					}
					if d := time.Since(start); d > time.Second {
						t.Errorf("%s: refusal took %v", target.addr, d)
					}
				}
			})
			t.Run("NodePort from outside", func(t *testing.T) {
				seen := reach(t, topo.Ext, topo.HostIP+":30080", 20)
				if seen["p1"] == 0 || seen["p2"] == 0 {
					t.Errorf("want both endpoints, got %v", seen)
				}
			})
			t.Run("LoadBalancer and external IPs", func(t *testing.T) {
				reach(t, topo.Ext, "192.168.78.100:80", 3)
				reach(t, topo.Ext, "192.168.78.50:80", 3)
			})
			t.Run("externalTrafficPolicy Local keeps the client address", func(t *testing.T) {
				for range 10 {
					who, from, err := dialTCP(topo.Ext, "192.168.78.101:80", 3*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					if who != "p1" || !strings.HasPrefix(from, topo.ExtIP+":") {
						t.Fatalf("got %s seeing %s, want p1 seeing %s", who, from, topo.ExtIP)
					}
				}
			})
			t.Run("loadBalancerSourceRanges", func(t *testing.T) {
				reach(t, topo.Ext, "192.168.78.103:80", 3)
				if _, _, err := dialTCP(topo.Ext, "192.168.78.102:80", time.Second); err == nil {
					t.Errorf("a source outside loadBalancerSourceRanges got through")
				}
				// The ranges guard the LoadBalancer IP only, like upstream.
				reach(t, topo.Ext, topo.HostIP+":30085", 2)
			})
			t.Run("session affinity sticks", func(t *testing.T) {
				seen := reach(t, client, "10.43.0.14:80", 12)
				if len(seen) != 1 {
					t.Errorf("want one endpoint, got %v", seen)
				}
			})
			t.Run("UDP", func(t *testing.T) {
				got, err := dialUDP(client, "10.43.0.15:53", 3*time.Second)
				if err != nil || (got != "p1" && got != "p2") {
					t.Errorf("udp: %q, %v", got, err)
				}
			})
			t.Run("stale UDP flows are cleared", func(t *testing.T) {
				requireKernelTools(t, "conntrack")
				flows := func() string {
					out, _ := r.run(ctx, nil, "conntrack", "-L", "-p", "udp", "--orig-dst", "10.43.0.15")
					return string(out)
				}
				// Each dial is a new flow; random balancing reaches p1 soon.
				for i := 0; !strings.Contains(flows(), "src=10.42.0.11"); i++ {
					if i == 40 {
						t.Fatalf("no UDP flow reached p1:\n%s", flows())
					}
					if _, err := dialUDP(client, "10.43.0.15:53", 3*time.Second); err != nil {
						t.Fatal(err)
					}
				}
				dns := fx[5]
				before := buildServicePorts(dns.svc, dns.slices, testNode)
				after := buildServicePorts(dns.svc, []*discovery.EndpointSlice{newSlice("ns1", "dns", "a", "dns", v1.ProtocolUDP, 5353, testEP{IP: "10.42.0.12"})}, testNode)
				clearConntrack(ctx, r, quietLogger(), staleConntrack(before, after))
				if got := flows(); strings.Contains(got, "src=10.42.0.11") {
					t.Errorf("flows to the removed endpoint remain:\n%s", got)
				}
				if got := flows(); !strings.Contains(got, "src=10.42.0.12") {
					t.Logf("flows to the remaining endpoint:\n%s", got)
				}
			})
			t.Run("hairpin", func(t *testing.T) {
				who, from, err := dialTCP(topo.Pods["p1"], "10.43.0.18:80", 3*time.Second)
				if err != nil || who != "p1" {
					t.Fatalf("pod reaching itself: %s %v", who, err)
				}
				if !strings.HasPrefix(from, "10.42.0.1:") {
					t.Errorf("hairpin traffic should be masqueraded to the bridge address, server saw %s", from)
				}
			})
			t.Run("one Service change", func(t *testing.T) {
				web := fx[0]
				b.update("ns1/web", buildServicePorts(web.svc, []*discovery.EndpointSlice{newSlice("ns1", "web", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.12"})}, testNode))
				b.update("ns1/empty", nil)
				b.update("ns1/self", nil)
				// A new endpoint count needs a new balancing chain.
				three := newService("ns1", "three", "10.43.0.20", []v1.ServicePort{tcpPort("http", 80, 8080, 0)})
				b.update("ns1/three", buildServicePorts(three, []*discovery.EndpointSlice{
					newSlice("ns1", "three", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.11"}, testEP{IP: "10.42.0.12"}),
					newSlice("ns1", "three", "b", "http", v1.ProtocolTCP, 8081, testEP{IP: "10.42.0.11"}),
				}, testNode))
				if err := b.sync(ctx, false); err != nil {
					t.Fatalf("incremental sync: %v", err)
				}
				if n := fallbacks(b); n != 0 {
					t.Errorf("%d incremental syncs failed and fell back to full ones", n)
				}
				seen := reach(t, client, "10.43.0.10:80", 10)
				if seen["p2"] != 10 {
					t.Errorf("want only p2, got %v", seen)
				}
				seen = reach(t, client, "10.43.0.20:80", 40)
				if seen["p1"] == 0 || seen["p2"] == 0 || seen["p1b"] == 0 {
					t.Errorf("want three endpoints, got %v", seen)
				}
				// A full resync on top of incremental state is a no-op in effect.
				if err := b.sync(ctx, true); err != nil {
					t.Fatalf("full resync: %v", err)
				}
				if n := fallbacks(b); n != 0 {
					t.Errorf("the periodic full sync failed %d times and fell back", n)
				}
				seen = reach(t, client, "10.43.0.10:80", 5)
				if seen["p2"] != 5 {
					t.Errorf("after resync want only p2, got %v", seen)
				}
			})
			t.Run("full sync deletes stale objects", func(t *testing.T) {
				var junk []string
				if mode == ModeNFTables {
					junk = []string{"nft", "add chain ip nauta service-JUNKJUNK-gone/gone/tcp/http"}
				} else {
					junk = []string{"iptables", "-t nat -N NAUTA-SVC-JUNKJUNKJUNKJUNK"}
				}
				if _, err := r.run(ctx, nil, junk[0], strings.Fields(junk[1])...); err != nil {
					t.Fatal(err)
				}
				// What an earlier run left is removed by the first sync of
				// a new proxy (a restart).
				fresh := newBackend(mode, r, params)
				loadFixtures(fresh, fx)
				if err := fresh.sync(ctx, true); err != nil {
					t.Fatal(err)
				}
				if rules := listRuleset(t, topo.Host); strings.Contains(rules, "JUNK") {
					t.Errorf("stale chain survived a full sync")
				}
			})
			t.Run("Cleanup leaves nothing", func(t *testing.T) {
				if err := cleanup(ctx, r, quietLogger()); err != nil {
					t.Fatal(err)
				}
				rules := listRuleset(t, topo.Host)
				if strings.Contains(rules, "nauta") || strings.Contains(rules, "NAUTA") {
					t.Errorf("rules left after cleanup:\n%s", rules)
				}
			})
		})
	}
}

func fallbacks(b backend) int {
	switch b := b.(type) {
	case *nftBackend:
		return b.fallbacks
	case *iptBackend:
		return b.fallbacks
	}
	return 0
}

// TestKernelNodePortOnLocalAddresses checks NodePorts without configured
// node IPs: every local address but 127.0.0.0/8 serves them.
func TestKernelNodePortOnLocalAddresses(t *testing.T) {
	requireKernelTools(t)
	for _, mode := range []string{ModeNFTables, ModeIPTables} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			topo := newTopology(t, map[string]string{"p1": "10.42.0.11", "c": "10.42.0.13"})
			serve(t, topo.Pods["p1"], "p1", 8080, 5353)
			r := runnerIn(topo.Host)
			setSysctls(ctx, r, quietLogger())
			b := newBackend(mode, r, nftParams{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16"})
			svc := newService("ns1", "np", "10.43.0.12", []v1.ServicePort{tcpPort("http", 80, 8080, 30080)}, withType(v1.ServiceTypeNodePort))
			b.update("ns1/np", buildServicePorts(svc, []*discovery.EndpointSlice{newSlice("ns1", "np", "a", "http", v1.ProtocolTCP, 8080, testEP{IP: "10.42.0.11"})}, testNode))
			if err := b.sync(ctx, true); err != nil {
				t.Fatal(err)
			}
			for _, from := range []struct{ ns, addr string }{{topo.Ext, topo.HostIP + ":30080"}, {topo.Pods["c"], "10.42.0.1:30080"}} {
				if who, _, err := dialTCP(from.ns, from.addr, 3*time.Second); err != nil || who != "p1" {
					t.Errorf("%s from %s: %q %v", from.addr, from.ns, who, err)
				}
			}
			if _, _, err := dialTCP(topo.Host, "127.0.0.1:30080", time.Second); err == nil {
				t.Errorf("NodePort answered on 127.0.0.1")
			}
		})
	}
}
