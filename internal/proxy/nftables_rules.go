package proxy

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The nftables layout. Per-Service state lives in map elements, so that a
// one-Service change is a handful of element updates: nft then needs no
// large cache and the kernel no chain re-validation. Only Services with
// ClientIP affinity get chains of their own (their endpoints need dynamic
// sets). Balancing chains are shared by every Service with the same
// endpoint count: "dnat-2" picks numgen random mod 2 and looks the target
// up in the backends map keyed by destination, protocol, port and index.
const (
	nftFamily = "ip"
	nftTable  = "nauta"

	mapServiceIPs         = "service-ips"           // daddr . proto . port : verdict
	mapServiceNodePorts   = "service-nodeports"     // proto . port : verdict
	mapNoEndpointServices = "no-endpoint-services"  // daddr . proto . port : verdict
	mapNoEndpointNodePort = "no-endpoint-nodeports" // proto . port : verdict
	mapBackends           = "backends"              // daddr . proto . port . index : addr . port
	mapBackendsLocal      = "backends-local"
	mapNodePortBackends   = "nodeport-backends" // proto . port . index : addr . port
	mapNodePortLocal      = "nodeport-backends-local"
	setHairpin            = "hairpin"      // addr . addr of every endpoint
	setNodePortIPs        = "nodeport-ips" // addresses NodePorts are served on
	mapFirewallIPs        = "firewall-ips" // LB IP . proto . port : verdict (loadBalancerSourceRanges)

	chainServices    = "services"
	chainMarkMasq    = "mark-for-masquerade"
	chainMasquerade  = "masquerading"
	chainReject      = "reject-chain"
	chainNATPre      = "nat-prerouting"
	chainNATOut      = "nat-output"
	chainNATPost     = "nat-postrouting"
	chainFilterIn    = "filter-input"
	chainFilterFwd   = "filter-forward"
	chainFilterOut   = "filter-output"
	chainFilterPre   = "filter-prerouting"
	chainEPCheck     = "service-endpoints-check"
	chainNodePortChk = "nodeport-endpoints-check"

	// masqueradeMark is the packet mark bit asking for SNAT on the way
	// out, the same bit upstream uses.
	masqueradeMark = 0x4000
)

// nftParams are the node-wide inputs of rule generation.
type nftParams struct {
	ClusterCIDR string   // pod CIDR; empty disables off-cluster masquerade
	ServiceCIDR string   // ClusterIP range
	NodeIPs     []string // IPv4 addresses NodePorts are served on; empty: every local address but 127/8
}

// nftElem is one element of a set or map: value is empty for sets.
type nftElem struct {
	Set, Key string
}

// nftFragment is what one Service contributes to the ruleset.
type nftFragment struct {
	Elements map[nftElem]string // element → value (verdict or target)
	Chains   map[string][]string
	Sets     map[string]int32 // affinity sets → timeout seconds
	Helpers  map[string]bool  // shared balancing chains it jumps to
}

func newFragment() *nftFragment {
	return &nftFragment{Elements: map[nftElem]string{}, Chains: map[string][]string{}, Sets: map[string]int32{}, Helpers: map[string]bool{}}
}

// hashName shortens s to a stable 8-character tag for object names.
func hashName(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:8]
}

// nftFragmentFor renders one Service's ports.
func nftFragmentFor(ports []servicePort, p nftParams) *nftFragment {
	f := newFragment()
	for i := range ports {
		addServicePort(f, &ports[i], p)
	}
	return f
}

// addFirewall lets only spec.loadBalancerSourceRanges reach the
// LoadBalancer IPs of sp.
func addFirewall(f *nftFragment, sp *servicePort) {
	if len(sp.FirewallIPs) == 0 {
		return
	}
	chain := "firewall-" + hashName(sp.Name.String()) + "-" + sp.Name.String()
	f.Chains[chain] = []string{"ip saddr { " + strings.Join(sp.SourceRanges, ", ") + " } return", "drop"}
	for _, ip := range sp.FirewallIPs {
		f.Elements[nftElem{mapFirewallIPs, ip + " . " + protoName(sp.Name.Protocol) + " . " + strconv.Itoa(int(sp.Port))}] = "goto " + chain
	}
}

func addServicePort(f *nftFragment, sp *servicePort, p nftParams) {
	addFirewall(f, sp)
	proto := protoName(sp.Name.Protocol)
	internal := sp.internalEndpoints()
	cluster := sp.ClusterEndpoints
	local := sp.LocalEndpoints
	external := cluster
	if sp.ExternalLocal {
		external = local
	}
	for _, eps := range [][]endpoint{internal, external, cluster} {
		for _, ep := range eps {
			f.Elements[nftElem{setHairpin, ep.IP + " . " + ep.IP}] = ""
		}
	}
	port := strconv.Itoa(int(sp.Port))
	np := strconv.Itoa(int(sp.NodePort))

	if sp.Affinity {
		addAffinityServicePort(f, sp, p)
		return
	}

	if sp.ClusterIP != "" {
		key := sp.ClusterIP + " . " + proto + " . " + port
		if len(internal) == 0 {
			f.Elements[nftElem{mapNoEndpointServices, key}] = "goto " + chainReject
		} else {
			f.Elements[nftElem{mapServiceIPs, key}] = "goto " + helper(f, "dnat", len(internal), 0)
			addBackends(f, mapBackends, proto, key, internal)
		}
	}
	if !sp.hasExternal() {
		return
	}
	if len(cluster) == 0 {
		for _, ip := range sp.ExternalIPs {
			f.Elements[nftElem{mapNoEndpointServices, ip + " . " + proto + " . " + port}] = "goto " + chainReject
		}
		if sp.NodePort != 0 {
			f.Elements[nftElem{mapNoEndpointNodePort, proto + " . " + np}] = "goto " + chainReject
		}
		return
	}
	for _, ip := range sp.ExternalIPs {
		key := ip + " . " + proto + " . " + port
		addBackends(f, mapBackends, proto, key, cluster)
		if sp.ExternalLocal {
			f.Elements[nftElem{mapServiceIPs, key}] = "goto " + helper(f, "ext-local", len(cluster), len(local))
			addBackends(f, mapBackendsLocal, proto, key, local)
		} else {
			f.Elements[nftElem{mapServiceIPs, key}] = "goto " + helper(f, "ext", len(cluster), 0)
		}
	}
	if sp.NodePort != 0 {
		key := proto + " . " + np
		addBackends(f, mapNodePortBackends, proto, key, cluster)
		if sp.ExternalLocal {
			f.Elements[nftElem{mapServiceNodePorts, key}] = "goto " + helper(f, "np-local", len(cluster), len(local))
			addBackends(f, mapNodePortLocal, proto, key, local)
		} else {
			f.Elements[nftElem{mapServiceNodePorts, key}] = "goto " + helper(f, "np", len(cluster), 0)
		}
	}
}

// addBackends fills the per-protocol backend map (set-proto).
func addBackends(f *nftFragment, set, proto, key string, eps []endpoint) {
	for i, ep := range eps {
		f.Elements[nftElem{set + "-" + proto, key + " . " + strconv.Itoa(i)}] = ep.IP + " . " + strconv.Itoa(int(ep.Port))
	}
}

// nftProtocols are the transport protocols Services may use.
var nftProtocols = []string{"tcp", "udp", "sctp"}

// helper names a shared balancing chain and records that f needs it.
// Kinds: dnat-N (by destination), dnat-local-N, npdnat-N, npdnat-local-N,
// ext-N and np-N (external, Cluster policy: masquerade then balance),
// ext-local-N-M and np-local-N-M (external, Local policy).
func helper(f *nftFragment, kind string, n, m int) string {
	var name string
	switch kind {
	case "ext-local", "np-local":
		name = kind + "-" + strconv.Itoa(n) + "-" + strconv.Itoa(m)
		f.Helpers[name] = true
		base := "dnat"
		if kind == "np-local" {
			base = "npdnat"
		}
		helper(f, base, n, 0)
		if m > 0 {
			helper(f, base+"-local", m, 0)
		}
		return name
	case "ext":
		helper(f, "dnat", n, 0)
	case "np":
		helper(f, "npdnat", n, 0)
	}
	name = kind + "-" + strconv.Itoa(n)
	f.Helpers[name] = true
	return name
}

// helperRules renders a shared balancing chain from its name.
func helperRules(name string, p nftParams) ([]string, error) {
	// One rule per protocol: the map's value type names the protocol's
	// port (see nftBaseSets).
	dnat := func(keyExpr, set string, n int) []string {
		var rules []string
		for _, proto := range nftProtocols {
			rules = append(rules, fmt.Sprintf("meta l4proto %s dnat ip to %s . numgen random mod %d map @%s-%s", proto, keyExpr, n, set, proto))
		}
		return rules
	}
	const byDest = "ip daddr . meta l4proto . th dport"
	const byPort = "meta l4proto . th dport"
	for _, kind := range []string{"ext-local", "np-local"} {
		rest, ok := strings.CutPrefix(name, kind+"-")
		if !ok {
			continue
		}
		ns, ms, ok := strings.Cut(rest, "-")
		n, err1 := strconv.Atoi(ns)
		m, err2 := strconv.Atoi(ms)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("helper chain %q: bad counts", name)
		}
		base := "dnat"
		if kind == "np-local" {
			base = "npdnat"
		}
		return localPolicyRules(p, base+"-"+strconv.Itoa(n), base+"-local-"+strconv.Itoa(m), m), nil
	}
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return nil, fmt.Errorf("unknown helper chain %q", name)
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("helper chain %q: bad count", name)
	}
	switch name[:i] {
	case "dnat":
		return dnat(byDest, mapBackends, n), nil
	case "dnat-local":
		return dnat(byDest, mapBackendsLocal, n), nil
	case "npdnat":
		return dnat(byPort, mapNodePortBackends, n), nil
	case "npdnat-local":
		return dnat(byPort, mapNodePortLocal, n), nil
	case "ext":
		return []string{"jump " + chainMarkMasq, "goto dnat-" + strconv.Itoa(n)}, nil
	case "np":
		return []string{"jump " + chainMarkMasq, "goto npdnat-" + strconv.Itoa(n)}, nil
	}
	return nil, fmt.Errorf("unknown helper chain %q", name)
}

// localPolicyRules is the externalTrafficPolicy: Local path, as upstream
// does it: pods reaching an external address use every endpoint; the node
// itself too, masqueraded; everyone else only this node's endpoints, with
// the client's address kept, and is dropped when there are none here.
func localPolicyRules(p nftParams, clusterChain, localChain string, m int) []string {
	var rules []string
	if p.ClusterCIDR != "" {
		rules = append(rules, "ip saddr "+p.ClusterCIDR+" goto "+clusterChain)
	}
	rules = append(rules,
		"fib saddr type local jump "+chainMarkMasq,
		"fib saddr type local goto "+clusterChain)
	if m == 0 {
		return append(rules, "drop")
	}
	return append(rules, "goto "+localChain)
}

// addAffinityServicePort renders a ClientIP-affinity port with chains of
// its own: one chain per endpoint records the client in a timed set, and
// the service chain sends known clients back to their endpoint.
func addAffinityServicePort(f *nftFragment, sp *servicePort, p nftParams) {
	proto := protoName(sp.Name.Protocol)
	port := strconv.Itoa(int(sp.Port))
	tag := hashName(sp.Name.String()) + "-" + sp.Name.String()
	internal := sp.internalEndpoints()
	svcChain := "service-" + tag
	clusterChain := svcChain
	if sp.InternalLocal {
		clusterChain = "cluster-" + tag
	}
	balancer := func(chain string, eps []endpoint) {
		var rules []string
		for _, ep := range eps {
			rules = append(rules, "ip saddr @"+affinitySet(sp, ep)+" goto "+endpointChain(f, sp, ep))
		}
		for i, ep := range eps {
			if i == len(eps)-1 {
				rules = append(rules, "goto "+endpointChain(f, sp, ep))
			} else {
				rules = append(rules, fmt.Sprintf("numgen random mod %d == 0 goto %s", len(eps)-i, endpointChain(f, sp, ep)))
			}
		}
		f.Chains[chain] = rules
	}
	if sp.ClusterIP != "" {
		key := sp.ClusterIP + " . " + proto + " . " + port
		if len(internal) == 0 {
			f.Elements[nftElem{mapNoEndpointServices, key}] = "goto " + chainReject
		} else {
			balancer(svcChain, internal)
			f.Elements[nftElem{mapServiceIPs, key}] = "goto " + svcChain
		}
	}
	if !sp.hasExternal() {
		return
	}
	np := strconv.Itoa(int(sp.NodePort))
	if len(sp.ClusterEndpoints) == 0 {
		for _, ip := range sp.ExternalIPs {
			f.Elements[nftElem{mapNoEndpointServices, ip + " . " + proto + " . " + port}] = "goto " + chainReject
		}
		if sp.NodePort != 0 {
			f.Elements[nftElem{mapNoEndpointNodePort, proto + " . " + np}] = "goto " + chainReject
		}
		return
	}
	if clusterChain != svcChain || sp.ClusterIP == "" {
		clusterChain = "cluster-" + tag
		balancer(clusterChain, sp.ClusterEndpoints)
	}
	extChain := "external-" + tag
	if sp.ExternalLocal {
		localChain := "local-" + tag
		if len(sp.LocalEndpoints) > 0 {
			balancer(localChain, sp.LocalEndpoints)
		}
		f.Chains[extChain] = localPolicyRules(p, clusterChain, localChain, len(sp.LocalEndpoints))
	} else {
		f.Chains[extChain] = []string{"jump " + chainMarkMasq, "goto " + clusterChain}
	}
	for _, ip := range sp.ExternalIPs {
		f.Elements[nftElem{mapServiceIPs, ip + " . " + proto + " . " + port}] = "goto " + extChain
	}
	if sp.NodePort != 0 {
		f.Elements[nftElem{mapServiceNodePorts, proto + " . " + np}] = "goto " + extChain
	}
}

func affinitySet(sp *servicePort, ep endpoint) string {
	// The timeout is part of the name: a set's timeout cannot change in place.
	return "affinity-" + hashName(sp.Name.String()+"/"+ep.String()+"/"+strconv.Itoa(int(sp.AffinitySeconds)))
}

// endpointChain names (and renders, once) the chain that DNATs to ep and
// refreshes the client's affinity entry.
func endpointChain(f *nftFragment, sp *servicePort, ep endpoint) string {
	name := "endpoint-" + hashName(sp.Name.String()+"/"+ep.String()) + "-" + sp.Name.String() + "__" + ep.IP + "/" + strconv.Itoa(int(ep.Port))
	if _, ok := f.Chains[name]; !ok {
		set := affinitySet(sp, ep)
		f.Sets[set] = sp.AffinitySeconds
		f.Chains[name] = []string{
			"update @" + set + " { ip saddr }",
			"meta l4proto " + protoName(sp.Name.Protocol) + " dnat to " + ep.String(),
		}
	}
	return name
}

// nftBase is the fixed part of the table: hooks, dispatch and masquerade.
type nftBaseChain struct {
	Name  string
	Hook  string // "type ... hook ... priority ...;" or empty
	Rules []string
}

type nftBaseSet struct {
	Kind, Name, Decl string // Kind is "set" or "map"
}

// The backend maps are per protocol, their values typed "ip daddr . tcp
// dport" (or udp, sctp): nft 1.0.6 cannot read a "th dport" value type
// back from the kernel ("conflicting protocols specified") and then fails
// every later transaction that adds a rule using the map.
func nftBaseSets() []nftBaseSet {
	sets := []nftBaseSet{
		{"map", mapServiceIPs, "type ipv4_addr . inet_proto . inet_service : verdict ;"},
		{"map", mapServiceNodePorts, "type inet_proto . inet_service : verdict ;"},
		{"map", mapNoEndpointServices, "type ipv4_addr . inet_proto . inet_service : verdict ;"},
		{"map", mapNoEndpointNodePort, "type inet_proto . inet_service : verdict ;"},
		{"map", mapFirewallIPs, "type ipv4_addr . inet_proto . inet_service : verdict ;"},
		{"set", setHairpin, "type ipv4_addr . ipv4_addr ;"},
		{"set", setNodePortIPs, "type ipv4_addr ;"},
	}
	for _, proto := range nftProtocols {
		for _, m := range []struct{ name, key string }{
			{mapBackends, "ip daddr . meta l4proto . th dport"},
			{mapBackendsLocal, "ip daddr . meta l4proto . th dport"},
			{mapNodePortBackends, "meta l4proto . th dport"},
			{mapNodePortLocal, "meta l4proto . th dport"},
		} {
			sets = append(sets, nftBaseSet{"map", m.name + "-" + proto,
				fmt.Sprintf("typeof %s . numgen random mod 1 : ip daddr . %s dport ;", m.key, proto)})
		}
	}
	return sets
}

// nodePortMatch selects packets addressed to a NodePort address.
func nodePortMatch(p nftParams) string {
	if len(p.NodeIPs) > 0 {
		return "ip daddr @" + setNodePortIPs
	}
	// 127/8 is left out like upstream's nftables mode: serving NodePorts
	// on localhost needs route_localnet, which exposes them to the LAN.
	return "fib daddr type local ip daddr != 127.0.0.0/8"
}

func nftBaseChains(p nftParams) []nftBaseChain {
	svc := []string{}
	if p.ClusterCIDR != "" && p.ServiceCIDR != "" {
		svc = append(svc, "ip daddr "+p.ServiceCIDR+" ip saddr != "+p.ClusterCIDR+" jump "+chainMarkMasq)
	}
	svc = append(svc,
		"ip daddr . meta l4proto . th dport vmap @"+mapServiceIPs,
		nodePortMatch(p)+" meta l4proto . th dport vmap @"+mapServiceNodePorts,
	)
	return []nftBaseChain{
		{Name: chainNATPre, Hook: "type nat hook prerouting priority dstnat ;", Rules: []string{"jump " + chainServices}},
		{Name: chainNATOut, Hook: "type nat hook output priority -100 ;", Rules: []string{"jump " + chainServices}},
		{Name: chainNATPost, Hook: "type nat hook postrouting priority srcnat ;", Rules: []string{
			// A pod reaching itself through its Service: without SNAT the
			// reply would bypass the conntrack entry that undoes the DNAT.
			"ct status dnat ip saddr . ip daddr @" + setHairpin + " jump " + chainMarkMasq,
			"jump " + chainMasquerade,
		}},
		// loadBalancerSourceRanges: checked before DNAT, on the LB address.
		{Name: chainFilterPre, Hook: "type filter hook prerouting priority -110 ;", Rules: []string{
			"ct state new ip daddr . meta l4proto . th dport vmap @" + mapFirewallIPs,
		}},
		{Name: chainFilterIn, Hook: "type filter hook input priority -110 ;", Rules: []string{
			"ct state new jump " + chainEPCheck,
			"ct state new jump " + chainNodePortChk,
		}},
		{Name: chainFilterFwd, Hook: "type filter hook forward priority -110 ;", Rules: []string{"ct state new jump " + chainEPCheck}},
		{Name: chainFilterOut, Hook: "type filter hook output priority -110 ;", Rules: []string{
			"ct state new jump " + chainEPCheck,
			"ct state new jump " + chainNodePortChk,
		}},
		{Name: chainEPCheck, Rules: []string{"ip daddr . meta l4proto . th dport vmap @" + mapNoEndpointServices}},
		{Name: chainNodePortChk, Rules: []string{nodePortMatch(p) + " meta l4proto . th dport vmap @" + mapNoEndpointNodePort}},
		{Name: chainServices, Rules: svc},
		{Name: chainMarkMasq, Rules: []string{fmt.Sprintf("meta mark set meta mark | 0x%x", masqueradeMark)}},
		{Name: chainMasquerade, Rules: []string{
			fmt.Sprintf("meta mark & 0x%x == 0 return", masqueradeMark),
			fmt.Sprintf("meta mark set meta mark ^ 0x%x", masqueradeMark),
			"masquerade fully-random",
		}},
		{Name: chainReject, Rules: []string{"reject"}},
	}
}

// nodePortIPElements are the elements of the nodeport-ips set.
func nodePortIPElements(p nftParams) []string {
	out := append([]string(nil), p.NodeIPs...)
	sort.Strings(out)
	return out
}
