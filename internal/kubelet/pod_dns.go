package kubelet

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Limits of a pod's resolv.conf, as the API validates them and upstream's
// kubelet enforces them on what it composes.
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
	// maxHostnameFQDN is the longest host name the kernel accepts, which
	// bounds setHostnameAsFQDN.
	maxHostnameFQDN = 64
)

// Event reasons of the DNS set-up, as upstream spells them.
const (
	eventDNSConfigForming  = "DNSConfigForming"
	eventMissingClusterDNS = "MissingClusterDNS"
)

// resolvConf is what a resolv.conf says.
type resolvConf struct {
	servers, searches, options []string
}

// parseResolvConf reads nameserver, search and options lines. As in glibc
// the last search line wins; a search entry "." is dropped and trailing
// dots are cut.
func parseResolvConf(r io.Reader) (resolvConf, error) {
	var rc resolvConf
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "nameserver":
			rc.servers = append(rc.servers, fields[1])
		case "search":
			rc.searches = nil
			for _, d := range fields[1:] {
				if d != "." {
					rc.searches = append(rc.searches, strings.TrimSuffix(d, "."))
				}
			}
		case "options":
			rc.options = append(rc.options, fields[1:]...)
		}
	}
	return rc, s.Err()
}

// hostResolvConf reads the node's resolver configuration. Loopback
// nameservers (a local stub resolver) are dropped for pods with their own
// network namespace: nothing answers on the pod's loopback.
func (k *Kubelet) hostResolvConf(pod *v1.Pod) resolvConf {
	f, err := os.Open(k.cfg.ResolvConf)
	if err != nil {
		k.log.Debug("no host resolv.conf", "path", k.cfg.ResolvConf, "err", err)
		return resolvConf{}
	}
	defer f.Close()
	rc, err := parseResolvConf(f)
	if err != nil {
		k.log.Warn("reading the host resolv.conf failed", "path", k.cfg.ResolvConf, "err", err)
	}
	if !pod.Spec.HostNetwork {
		servers := rc.servers[:0:0]
		for _, s := range rc.servers {
			if !strings.HasPrefix(s, "127.") && s != "::1" {
				servers = append(servers, s)
			}
		}
		rc.servers = servers
	}
	return rc
}

// dnsEvent is a warning about the pod's DNS configuration.
type dnsEvent struct{ reason, message string }

// podDNS composes the pod's resolver configuration from its dnsPolicy and
// dnsConfig, the cluster DNS servers and domain and the host's resolver,
// the way upstream's kubelet does, and reports what it had to cut.
func podDNS(pod *v1.Pod, clusterDNS []string, clusterDomain string, host resolvConf) (*runtimeapi.DNSConfig, []dnsEvent) {
	var events []dnsEvent
	asked := pod.Spec.DNSPolicy
	if asked == "" {
		asked = v1.DNSClusterFirst
	}
	policy := asked
	switch policy {
	case v1.DNSClusterFirst:
		if pod.Spec.HostNetwork {
			policy = v1.DNSDefault
		}
	case v1.DNSClusterFirstWithHostNet:
		policy = v1.DNSClusterFirst
	}
	if policy == v1.DNSClusterFirst && len(clusterDNS) == 0 {
		events = append(events, dnsEvent{eventMissingClusterDNS, fmt.Sprintf(
			"pod: %q. kubelet does not have ClusterDNS IP configured and cannot create Pod using %q policy. Falling back to %q policy.",
			podKey(pod), asked, v1.DNSDefault)})
		policy = v1.DNSDefault
	}
	cfg := &runtimeapi.DNSConfig{}
	switch policy {
	case v1.DNSClusterFirst:
		cfg.Servers = append([]string{}, clusterDNS...)
		searches := []string{pod.Namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain}
		cfg.Searches = omitDuplicates(append(searches, host.searches...))
		cfg.Options = []string{"ndots:5"}
	case v1.DNSDefault:
		cfg.Servers = append([]string{}, host.servers...)
		cfg.Searches = append([]string{}, host.searches...)
		cfg.Options = append([]string{}, host.options...)
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		cfg.Servers = omitDuplicates(append(cfg.Servers, dc.Nameservers...))
		cfg.Searches = omitDuplicates(append(cfg.Searches, dc.Searches...))
		cfg.Options = mergeDNSOptions(cfg.Options, dc.Options)
	}
	if len(cfg.Servers) > maxDNSNameservers {
		cfg.Servers = cfg.Servers[:maxDNSNameservers]
		events = append(events, dnsEvent{eventDNSConfigForming,
			"Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: " +
				strings.Join(cfg.Servers, " ")})
	}
	if searches, cut := fitSearches(cfg.Searches); cut {
		cfg.Searches = searches
		events = append(events, dnsEvent{eventDNSConfigForming,
			"Search Line limits were exceeded, some search paths have been omitted, the applied search line is: " +
				strings.Join(cfg.Searches, " ")})
	}
	return cfg, events
}

// fitSearches keeps at most 32 search domains whose line (joined by
// spaces) stays within 2048 characters.
func fitSearches(searches []string) ([]string, bool) {
	cut := false
	if len(searches) > maxDNSSearchPaths {
		searches, cut = searches[:maxDNSSearchPaths], true
	}
	if n := len(strings.Join(searches, " ")); n > maxDNSSearchListChars {
		cut = true
		length := 0
		for i, s := range searches {
			length += len(s)
			if i > 0 {
				length++ // the separating space
			}
			if length > maxDNSSearchListChars {
				searches = searches[:i]
				break
			}
		}
	}
	return searches, cut
}

// mergeDNSOptions adds the pod's options to base; an option of the pod
// replaces one of the same name.
func mergeDNSOptions(base []string, extra []v1.PodDNSConfigOption) []string {
	order := []string{}
	values := map[string]string{}
	add := func(name, opt string) {
		if _, ok := values[name]; !ok {
			order = append(order, name)
		}
		values[name] = opt
	}
	for _, o := range base {
		name, _, _ := strings.Cut(o, ":")
		add(name, o)
	}
	for _, o := range extra {
		opt := o.Name
		if o.Value != nil {
			opt += ":" + *o.Value
		}
		add(o.Name, opt)
	}
	out := make([]string, 0, len(order))
	for _, name := range order {
		out = append(out, values[name])
	}
	return out
}

func omitDuplicates(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// dnsConfig is the CRI DNS configuration of pod.
func (k *Kubelet) dnsConfig(pod *v1.Pod) *runtimeapi.DNSConfig {
	cfg, _ := podDNS(pod, k.cfg.ClusterDNS, k.cfg.ClusterDomain, k.hostResolvConf(pod))
	return cfg
}

// dnsWarnings sends the DNS configuration's warnings as events; it runs
// once per sandbox start, not at every use of the sandbox configuration.
func (k *Kubelet) dnsWarnings(pod *v1.Pod) {
	_, events := podDNS(pod, k.cfg.ClusterDNS, k.cfg.ClusterDomain, k.hostResolvConf(pod))
	for _, ev := range events {
		k.event(pod, v1.EventTypeWarning, ev.reason, "%s", ev.message)
	}
}

// podHostnameAndDomain is the pod's host name (spec.hostname or the pod
// name, cut to a DNS label) and, with spec.subdomain, its domain
// "<subdomain>.<namespace>.svc.<cluster domain>".
func podHostnameAndDomain(pod *v1.Pod, clusterDomain string) (hostname, domain string) {
	hostname = pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	if len(hostname) > 63 {
		hostname = strings.TrimRight(hostname[:63], "-.")
	}
	if pod.Spec.Subdomain != "" {
		domain = pod.Spec.Subdomain + "." + pod.Namespace + ".svc." + clusterDomain
	}
	return hostname, domain
}

// sandboxHostname is the UTS host name of the pod's sandbox: the host
// name, or its FQDN with setHostnameAsFQDN. Host-network pods share the
// node's UTS namespace and keep its name (runc refuses to set one there).
func sandboxHostname(pod *v1.Pod, clusterDomain string) (string, error) {
	if pod.Spec.HostNetwork {
		return "", nil
	}
	hostname, domain := podHostnameAndDomain(pod, clusterDomain)
	if pod.Spec.SetHostnameAsFQDN == nil || !*pod.Spec.SetHostnameAsFQDN || domain == "" {
		return hostname, nil
	}
	fqdn := hostname + "." + domain
	if len(fqdn) > maxHostnameFQDN {
		return "", fmt.Errorf("failed to construct FQDN from pod hostname and cluster domain, FQDN %s is too long (%d characters is the max, %d characters requested)",
			fqdn, maxHostnameFQDN, len(fqdn))
	}
	return fqdn, nil
}

// podKey names a pod as upstream's kubelet does in messages:
// "name_namespace(uid)".
func podKey(pod *v1.Pod) string { return pod.Name + "_" + pod.Namespace + "(" + string(pod.UID) + ")" }
