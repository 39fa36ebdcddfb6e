package kubelet

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestParseResolvConf(t *testing.T) {
	in := "# comment\nnameserver 10.0.0.2\nsearch old.example\nsearch a.example. . b.example\nnameserver 10.0.0.3 ; trailing\noptions ndots:2 edns0\n"
	rc, err := parseResolvConf(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := resolvConf{
		servers:  []string{"10.0.0.2", "10.0.0.3"},
		searches: []string{"a.example", "b.example"},
		options:  []string{"ndots:2", "edns0"},
	}
	if !reflect.DeepEqual(rc, want) {
		t.Fatalf("parseResolvConf = %+v, want %+v", rc, want)
	}
}

func TestPodDNS(t *testing.T) {
	host := resolvConf{servers: []string{"192.168.1.1"}, searches: []string{"corp.example"}, options: []string{"edns0"}}
	clusterDNS := []string{"10.43.0.10"}
	pod := func(policy v1.DNSPolicy, hostNet bool, dc *v1.PodDNSConfig) *v1.Pod {
		return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns1", UID: "u1"},
			Spec: v1.PodSpec{DNSPolicy: policy, HostNetwork: hostNet, DNSConfig: dc}}
	}
	clusterSearch := []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"}
	many := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, prefix+strconv.Itoa(i))
		}
		return out
	}
	long := strings.Repeat("x", 250)
	var longSearches []string
	for i := range 10 {
		longSearches = append(longSearches, long+strconv.Itoa(i))
	}
	tests := []struct {
		name         string
		pod          *v1.Pod
		clusterDNS   []string
		wantServers  []string
		wantSearches []string
		wantOptions  []string
		wantEvents   []string
	}{
		{name: "ClusterFirst", pod: pod(v1.DNSClusterFirst, false, nil), clusterDNS: clusterDNS,
			wantServers: clusterDNS, wantSearches: clusterSearch, wantOptions: []string{"ndots:5"}},
		{name: "empty policy is ClusterFirst", pod: pod("", false, nil), clusterDNS: clusterDNS,
			wantServers: clusterDNS, wantSearches: clusterSearch, wantOptions: []string{"ndots:5"}},
		{name: "ClusterFirst on the host network is Default", pod: pod(v1.DNSClusterFirst, true, nil), clusterDNS: clusterDNS,
			wantServers: host.servers, wantSearches: host.searches, wantOptions: host.options},
		{name: "ClusterFirstWithHostNet", pod: pod(v1.DNSClusterFirstWithHostNet, true, nil), clusterDNS: clusterDNS,
			wantServers: clusterDNS, wantSearches: clusterSearch, wantOptions: []string{"ndots:5"}},
		{name: "Default", pod: pod(v1.DNSDefault, false, nil), clusterDNS: clusterDNS,
			wantServers: host.servers, wantSearches: host.searches, wantOptions: host.options},
		{name: "ClusterFirst without cluster DNS falls back", pod: pod(v1.DNSClusterFirst, false, nil),
			wantServers: host.servers, wantSearches: host.searches, wantOptions: host.options,
			wantEvents: []string{eventMissingClusterDNS}},
		{name: "None takes only dnsConfig", pod: pod(v1.DNSNone, false, &v1.PodDNSConfig{
			Nameservers: []string{"1.1.1.1"}, Searches: []string{"my.example"},
			Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("2")}, {Name: "edns0"}}}),
			clusterDNS: clusterDNS, wantServers: []string{"1.1.1.1"}, wantSearches: []string{"my.example"},
			wantOptions: []string{"ndots:2", "edns0"}},
		{name: "dnsConfig merges and overrides options", pod: pod(v1.DNSClusterFirst, false, &v1.PodDNSConfig{
			Nameservers: []string{"10.43.0.10", "1.1.1.1"}, Searches: []string{"cluster.local", "extra.example"},
			Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("1")}, {Name: "single-request"}}}),
			clusterDNS: clusterDNS, wantServers: []string{"10.43.0.10", "1.1.1.1"},
			wantSearches: append(append([]string{}, clusterSearch...), "extra.example"),
			wantOptions:  []string{"ndots:1", "single-request"}},
		{name: "three nameservers at most", pod: pod(v1.DNSClusterFirst, false, &v1.PodDNSConfig{
			Nameservers: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"}}),
			clusterDNS: clusterDNS, wantServers: []string{"10.43.0.10", "1.1.1.1", "2.2.2.2"},
			wantSearches: clusterSearch, wantOptions: []string{"ndots:5"}, wantEvents: []string{eventDNSConfigForming}},
		{name: "32 search domains at most", pod: pod(v1.DNSNone, false, &v1.PodDNSConfig{Searches: many("d", 40)}),
			wantServers: []string{}, wantSearches: many("d", 32), wantOptions: []string{}, wantEvents: []string{eventDNSConfigForming}},
		{name: "2048 characters of search line at most", pod: pod(v1.DNSNone, false, &v1.PodDNSConfig{Searches: longSearches}),
			wantServers: []string{}, wantSearches: longSearches[:8], wantOptions: []string{}, wantEvents: []string{eventDNSConfigForming}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, events := podDNS(tt.pod, tt.clusterDNS, "cluster.local", host)
			norm := func(s []string) []string {
				if s == nil {
					return []string{}
				}
				return s
			}
			if !reflect.DeepEqual(norm(cfg.Servers), norm(tt.wantServers)) {
				t.Errorf("servers = %q, want %q", cfg.Servers, tt.wantServers)
			}
			if !reflect.DeepEqual(norm(cfg.Searches), norm(tt.wantSearches)) {
				t.Errorf("searches = %q, want %q", cfg.Searches, tt.wantSearches)
			}
			if !reflect.DeepEqual(norm(cfg.Options), norm(tt.wantOptions)) {
				t.Errorf("options = %q, want %q", cfg.Options, tt.wantOptions)
			}
			var reasons []string
			for _, ev := range events {
				reasons = append(reasons, ev.reason)
			}
			if !reflect.DeepEqual(reasons, tt.wantEvents) {
				t.Errorf("events = %+v, want reasons %q", events, tt.wantEvents)
			}
			if len(strings.Join(cfg.Searches, " ")) > maxDNSSearchListChars {
				t.Errorf("search line of %d characters", len(strings.Join(cfg.Searches, " ")))
			}
		})
	}
}

func TestPodHostnameAndHosts(t *testing.T) {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop"},
		Spec: v1.PodSpec{Hostname: "web", Subdomain: "backend",
			HostAliases: []v1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}}}
	hostname, domain := podHostnameAndDomain(p, "cluster.local")
	if hostname != "web" || domain != "backend.shop.svc.cluster.local" {
		t.Fatalf("hostname %q domain %q", hostname, domain)
	}
	got := string(managedHosts([]string{"10.244.0.5"}, hostname, domain, p.Spec.HostAliases))
	want := "# Kubernetes-managed hosts file.\n" +
		"127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"fe00::0\tip6-mcastprefix\n" +
		"fe00::1\tip6-allnodes\n" +
		"fe00::2\tip6-allrouters\n" +
		"10.244.0.5\tweb.backend.shop.svc.cluster.local\tweb\n" +
		"\n# Entries added by HostAliases.\n" +
		"10.1.2.3\tfoo.local\tbar.local\n"
	if got != want {
		t.Fatalf("hosts file:\n%s\nwant:\n%s", got, want)
	}
	if got := string(managedHosts([]string{"10.244.0.6"}, "solo", "", nil)); !strings.HasSuffix(got, "ip6-allrouters\n10.244.0.6\tsolo\n") {
		t.Fatalf("hosts file without subdomain:\n%s", got)
	}
	hn := string(hostNetworkHosts([]byte("127.0.0.1 localhost\n"), p.Spec.HostAliases))
	if hn != "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n" {
		t.Fatalf("host network hosts file:\n%s", hn)
	}

	for _, tc := range []struct {
		name string
		pod  *v1.Pod
		want string
		err  bool
	}{
		{"pod name", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "n"}}, "a", false},
		{"long pod name is cut", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("a", 62) + "-b", Namespace: "n"}}, strings.Repeat("a", 62), false},
		{"hostname", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "n"}, Spec: v1.PodSpec{Hostname: "h", Subdomain: "s"}}, "h", false},
		{"FQDN", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "n"},
			Spec: v1.PodSpec{Hostname: "h", Subdomain: "s", SetHostnameAsFQDN: ptr.To(true)}}, "h.s.n.svc.cluster.local", false},
		{"FQDN too long", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "n"},
			Spec: v1.PodSpec{Hostname: strings.Repeat("h", 50), Subdomain: "s", SetHostnameAsFQDN: ptr.To(true)}}, "", true},
		{"host network keeps the node's", &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "n"},
			Spec: v1.PodSpec{HostNetwork: true, Hostname: "h"}}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sandboxHostname(tc.pod, "cluster.local")
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("sandboxHostname = %q, %v; want %q (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}
