package proxy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// iptables mode: KUBE-style chains with a NAUTA- prefix in the nat table
// (and a filter chain rejecting Services without endpoints), written with
// iptables-restore --noflush. A partial sync writes only the per-Service
// chains whose rules changed and deletes or inserts single rules of the
// dispatch chains; the small filter table is rewritten every time.
const (
	iptServices        = "NAUTA-SERVICES"
	iptNodePorts       = "NAUTA-NODEPORTS"
	iptPostrouting     = "NAUTA-POSTROUTING"
	iptMarkMasq        = "NAUTA-MARK-MASQ"
	iptExternalService = "NAUTA-EXTERNAL-SERVICES"
	iptFirewall        = "NAUTA-FIREWALL"
	iptChainPrefix     = "NAUTA-"
)

// iptJump is a rule in a built-in chain that sends traffic to ours.
type iptJump struct {
	Table, Chain, Target, Comment string
	Extra                         []string
}

func iptJumps() []iptJump {
	return []iptJump{
		{"nat", "PREROUTING", iptServices, "nauta service portals", nil},
		{"nat", "OUTPUT", iptServices, "nauta service portals", nil},
		{"nat", "POSTROUTING", iptPostrouting, "nauta postrouting rules", nil},
		{"filter", "INPUT", iptExternalService, "nauta external services", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "INPUT", iptFirewall, "nauta load balancer firewall", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "FORWARD", iptFirewall, "nauta load balancer firewall", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "INPUT", iptServices, "nauta service portals", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "FORWARD", iptServices, "nauta service portals", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "OUTPUT", iptServices, "nauta service portals", []string{"-m", "conntrack", "--ctstate", "NEW"}},
		{"filter", "OUTPUT", iptExternalService, "nauta external services", []string{"-m", "conntrack", "--ctstate", "NEW"}},
	}
}

func (j iptJump) args() []string {
	a := append([]string{}, j.Extra...)
	return append(a, "-m", "comment", "--comment", j.Comment, "-j", j.Target)
}

// iptFragment is what one Service contributes.
type iptFragment struct {
	NATChains      map[string][]string // per-Service chain → rules (after "-A CHAIN ")
	NATServices    []string
	NATNodePorts   []string
	FilterServices []string
	FilterExternal []string
	FilterFirewall []string
	FilterChains   map[string][]string // per-Service filter chains (firewalls)
}

func iptChainName(prefix, s string) string {
	sum := hashName(s) + hashName(s+"#")
	return iptChainPrefix + prefix + "-" + sum
}

func iptComment(s string) string { return `-m comment --comment "` + s + `"` }

func iptFragmentFor(ports []servicePort, p nftParams) *iptFragment {
	f := &iptFragment{NATChains: map[string][]string{}, FilterChains: map[string][]string{}}
	for i := range ports {
		addIPTServicePort(f, &ports[i], p)
	}
	return f
}

func addIPTServicePort(f *iptFragment, sp *servicePort, p nftParams) {
	name := sp.Name.String()
	proto := protoName(sp.Name.Protocol)
	port := strconv.Itoa(int(sp.Port))
	match := func(dst string, dport string) string {
		d := ""
		if dst != "" {
			d = "-d " + dst + "/32 "
		}
		return d + "-p " + proto + " -m " + proto + " --dport " + dport
	}
	svc := iptChainName("SVC", name)
	svl := iptChainName("SVL", name)
	ext := iptChainName("EXT", name)
	sep := func(ep endpoint) string { return iptChainName("SEP", name+"/"+ep.String()) }

	balancer := func(chain string, eps []endpoint) {
		var rules []string
		if sp.Affinity {
			for _, ep := range eps {
				rules = append(rules, fmt.Sprintf("%s -m recent --name %s --mask 255.255.255.255 --rsource --rcheck --seconds %d --reap -j %s",
					iptComment(name), sep(ep), sp.AffinitySeconds, sep(ep)))
			}
		}
		for i, ep := range eps {
			if i == len(eps)-1 {
				rules = append(rules, fmt.Sprintf("%s -j %s", iptComment(name+" -> "+ep.String()), sep(ep)))
			} else {
				rules = append(rules, fmt.Sprintf("%s -m statistic --mode random --probability %.10f -j %s",
					iptComment(name+" -> "+ep.String()), 1/float64(len(eps)-i), sep(ep)))
			}
			if _, ok := f.NATChains[sep(ep)]; !ok {
				dnat := "-p " + proto + " -m " + proto
				if sp.Affinity {
					dnat = "-p " + proto + " -m recent --name " + sep(ep) + " --mask 255.255.255.255 --rsource --set -m " + proto
				}
				f.NATChains[sep(ep)] = []string{
					fmt.Sprintf("%s -s %s/32 -j %s", iptComment(name), ep.IP, iptMarkMasq),
					fmt.Sprintf("%s %s -j DNAT --to-destination %s", iptComment(name), dnat, ep.String()),
				}
			}
		}
		f.NATChains[chain] = rules
	}

	if len(sp.FirewallIPs) > 0 {
		// The filter table sees packets after DNAT: match the original
		// destination through conntrack.
		fw := iptChainName("FW", name)
		var rules []string
		for _, r := range sp.SourceRanges {
			rules = append(rules, fmt.Sprintf("%s -s %s -j RETURN", iptComment(name+" loadBalancerSourceRanges"), r))
		}
		f.FilterChains[fw] = append(rules, iptComment(name+" other sources")+" -j DROP")
		for _, ip := range sp.FirewallIPs {
			f.FilterFirewall = append(f.FilterFirewall, fmt.Sprintf("%s -p %s -m conntrack --ctorigdst %s/32 --ctorigdstport %s -j %s",
				iptComment(name+" load balancer IP"), proto, ip, port, fw))
		}
	}
	cluster, local := sp.ClusterEndpoints, sp.LocalEndpoints
	if len(cluster) > 0 {
		balancer(svc, cluster)
	}
	if (sp.InternalLocal || sp.ExternalLocal) && len(local) > 0 {
		balancer(svl, local)
	}
	if sp.ClusterIP != "" {
		internal, target := cluster, svc
		if sp.InternalLocal {
			internal, target = local, svl
		}
		if len(internal) == 0 {
			f.FilterServices = append(f.FilterServices, fmt.Sprintf("%s %s -j REJECT", iptComment(name+" has no endpoints"), match(sp.ClusterIP, port)))
		} else {
			f.NATServices = append(f.NATServices, fmt.Sprintf("%s %s -j %s", iptComment(name+" cluster IP"), match(sp.ClusterIP, port), target))
		}
	}
	if !sp.hasExternal() {
		return
	}
	np := strconv.Itoa(int(sp.NodePort))
	if len(cluster) == 0 {
		for _, ip := range sp.ExternalIPs {
			f.FilterServices = append(f.FilterServices, fmt.Sprintf("%s %s -j REJECT", iptComment(name+" has no endpoints"), match(ip, port)))
		}
		if sp.NodePort != 0 {
			f.FilterExternal = append(f.FilterExternal, fmt.Sprintf("%s -m addrtype --dst-type LOCAL %s -j REJECT", iptComment(name+" has no endpoints"), match("", np)))
		}
		return
	}
	if sp.ExternalLocal {
		var rules []string
		if p.ClusterCIDR != "" {
			rules = append(rules, fmt.Sprintf("%s -s %s -j %s", iptComment("pod traffic for "+name+" external destinations"), p.ClusterCIDR, svc))
		}
		rules = append(rules,
			fmt.Sprintf("%s -m addrtype --src-type LOCAL -j %s", iptComment("masquerade LOCAL traffic for "+name+" external destinations"), iptMarkMasq),
			fmt.Sprintf("%s -m addrtype --src-type LOCAL -j %s", iptComment("route LOCAL traffic for "+name+" external destinations"), svc))
		// Without local endpoints nothing is DNATed: the packet meets the
		// node's own closed port and is refused.
		if len(local) > 0 {
			rules = append(rules, "-j "+svl)
		}
		f.NATChains[ext] = rules
	} else {
		f.NATChains[ext] = []string{"-j " + iptMarkMasq, "-j " + svc}
	}
	for _, ip := range sp.ExternalIPs {
		f.NATServices = append(f.NATServices, fmt.Sprintf("%s %s -j %s", iptComment(name+" external IP"), match(ip, port), ext))
	}
	if sp.NodePort != 0 {
		f.NATNodePorts = append(f.NATNodePorts, fmt.Sprintf("%s %s -j %s", iptComment(name), match("", np), ext))
	}
}

// iptBackend keeps the NAUTA- chains in step with the Services.
type iptBackend struct {
	r      runner
	params nftParams
	log    *slog.Logger

	fragments     map[string]*iptFragment
	applied       map[string][]string // per-Service nat chains in the kernel
	appliedFilter map[string][]string // per-Service filter chains in the kernel
	appliedSvc    map[string]bool     // rules of NAUTA-SERVICES in the kernel
	appliedNP     map[string]bool     // rules of NAUTA-NODEPORTS in the kernel
	synced        bool
	fallbacks     int // partial syncs that failed
}

func newIPTBackend(r runner, params nftParams, log *slog.Logger) *iptBackend {
	return &iptBackend{r: r, params: params, log: log, fragments: map[string]*iptFragment{}, applied: map[string][]string{}}
}

func (b *iptBackend) name() string { return "iptables" }

func (b *iptBackend) update(key string, ports []servicePort) {
	if len(ports) == 0 {
		delete(b.fragments, key)
		return
	}
	b.fragments[key] = iptFragmentFor(ports, b.params)
}

// sync writes the changed chains and dispatch rules. A periodic full sync
// also re-checks the jumps from the built-in chains. Listing the kernel's
// chains (iptables-save) costs seconds with thousands of Services, so only
// the first sync and a sync after a failure do it: they rewrite every chain
// and delete NAUTA- chains nobody wants.
func (b *iptBackend) sync(ctx context.Context, full bool) error {
	if b.synced {
		var err error
		if full {
			err = b.ensureJumps(ctx)
		}
		if err == nil {
			in, commit := b.restoreInput(nil, nil, false)
			if _, err = b.r.run(ctx, in, "iptables-restore", "-w", "--noflush"); err == nil {
				commit()
				return nil
			}
		}
		b.fallbacks++
		b.log.Warn("partial iptables sync failed, doing a full sync", "err", err)
		b.synced = false
	}
	if err := b.ensureJumps(ctx); err != nil {
		return err
	}
	existing, err := b.listChains(ctx, "nat")
	if err != nil {
		return err
	}
	existingFilter, err := b.listChains(ctx, "filter")
	if err != nil {
		return err
	}
	in, commit := b.restoreInput(existing, existingFilter, true)
	if _, err := b.r.run(ctx, in, "iptables-restore", "-w", "--noflush"); err != nil {
		return fmt.Errorf("iptables full sync: %w", err)
	}
	commit()
	b.synced = true
	return nil
}

// restoreInput renders the iptables-restore input. On a full sync every
// chain is written and existing NAUTA- chains that are not wanted are
// deleted; otherwise only chains that changed since the last sync.
func (b *iptBackend) restoreInput(existing, existingFilter map[string]bool, full bool) ([]byte, func()) {
	keys := sortedKeys(b.fragments)
	want := map[string][]string{}
	for _, k := range keys {
		for c, r := range b.fragments[k].NATChains {
			want[c] = r
		}
	}
	var buf bytes.Buffer
	w := func(s string) { buf.WriteString(s); buf.WriteByte('\n') }

	wantSvc, wantNP := map[string]bool{}, map[string]bool{}
	for _, k := range keys {
		for _, r := range b.fragments[k].NATServices {
			wantSvc[r] = true
		}
		for _, r := range b.fragments[k].NATNodePorts {
			wantNP[r] = true
		}
	}
	masqHead := b.params.ClusterCIDR != "" && b.params.ServiceCIDR != ""

	w("*nat")
	fixed := []string{iptServices, iptNodePorts, iptPostrouting, iptMarkMasq}
	if full {
		for _, c := range fixed {
			w(":" + c + " - [0:0]")
		}
	}
	var write, del []string
	for _, c := range sortedKeys(want) {
		if full || !slices.Equal(want[c], b.applied[c]) || (existing != nil && !existing[c]) {
			write = append(write, c)
		}
	}
	gone := map[string]bool{}
	for c := range b.applied {
		if _, ok := want[c]; !ok {
			gone[c] = true
		}
	}
	for c := range existing {
		if _, ok := want[c]; !ok && !slices.Contains(fixed, c) {
			gone[c] = true
		}
	}
	del = sortedKeys(gone)
	for _, c := range write {
		w(":" + c + " - [0:0]")
	}
	for _, c := range del {
		w(":" + c + " - [0:0]")
	}
	if full {
		w(fmt.Sprintf("-A %s -m mark ! --mark 0x%x/0x%x -j RETURN", iptPostrouting, masqueradeMark, masqueradeMark))
		w(fmt.Sprintf("-A %s -j MARK --xor-mark 0x%x", iptPostrouting, masqueradeMark))
		w(fmt.Sprintf("-A %s %s -j MASQUERADE --random-fully", iptPostrouting, iptComment("nauta service traffic requiring SNAT")))
		w(fmt.Sprintf("-A %s -j MARK --or-mark 0x%x", iptMarkMasq, masqueradeMark))
		if masqHead {
			w(fmt.Sprintf("-A %s %s ! -s %s -d %s -j %s", iptServices, iptComment("masquerade off-cluster traffic to cluster IPs"), b.params.ClusterCIDR, b.params.ServiceCIDR, iptMarkMasq))
		}
		for _, r := range sortedKeys(wantSvc) {
			w("-A " + iptServices + " " + r)
		}
		if len(b.params.NodeIPs) > 0 {
			for _, ip := range nodePortIPElements(b.params) {
				w(fmt.Sprintf("-A %s %s -d %s/32 -j %s", iptServices, iptComment("nauta service nodeports"), ip, iptNodePorts))
			}
		} else {
			w(fmt.Sprintf("-A %s %s ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j %s", iptServices, iptComment("nauta service nodeports"), iptNodePorts))
		}
		for _, r := range sortedKeys(wantNP) {
			w("-A " + iptNodePorts + " " + r)
		}
	} else {
		// Rewriting the dispatch chains costs seconds with thousands of
		// Services: delete and insert only the rules that changed. New
		// Service rules go right after the masquerade rule, so they stay
		// ahead of the final jump to NAUTA-NODEPORTS.
		pos := "1"
		if masqHead {
			pos = "2"
		}
		for _, r := range sortedKeys(b.appliedSvc) {
			if !wantSvc[r] {
				w("-D " + iptServices + " " + r)
			}
		}
		for _, r := range sortedKeys(b.appliedNP) {
			if !wantNP[r] {
				w("-D " + iptNodePorts + " " + r)
			}
		}
		for _, r := range sortedKeys(wantSvc) {
			if !b.appliedSvc[r] {
				w("-I " + iptServices + " " + pos + " " + r)
			}
		}
		for _, r := range sortedKeys(wantNP) {
			if !b.appliedNP[r] {
				w("-A " + iptNodePorts + " " + r)
			}
		}
	}
	for _, c := range write {
		for _, r := range want[c] {
			w("-A " + c + " " + r)
		}
	}
	for _, c := range del {
		w("-X " + c)
	}
	w("COMMIT")

	// The filter table is small (Services without endpoints, firewalls):
	// it is rewritten whole every time.
	w("*filter")
	w(":" + iptServices + " - [0:0]")
	w(":" + iptExternalService + " - [0:0]")
	w(":" + iptFirewall + " - [0:0]")
	wantFilter := map[string][]string{}
	for _, k := range keys {
		for c, r := range b.fragments[k].FilterChains {
			wantFilter[c] = r
		}
	}
	for _, c := range sortedKeys(wantFilter) {
		w(":" + c + " - [0:0]")
	}
	var staleFilter []string
	for c := range b.appliedFilter {
		if _, ok := wantFilter[c]; !ok {
			staleFilter = append(staleFilter, c)
		}
	}
	for c := range existingFilter {
		if _, ok := wantFilter[c]; !ok && !slices.Contains(staleFilter, c) && c != iptServices && c != iptExternalService && c != iptFirewall {
			staleFilter = append(staleFilter, c)
		}
	}
	slices.Sort(staleFilter)
	for _, c := range staleFilter {
		w(":" + c + " - [0:0]")
	}
	for _, k := range keys {
		for _, r := range b.fragments[k].FilterServices {
			w("-A " + iptServices + " " + r)
		}
		for _, r := range b.fragments[k].FilterExternal {
			w("-A " + iptExternalService + " " + r)
		}
		for _, r := range b.fragments[k].FilterFirewall {
			w("-A " + iptFirewall + " " + r)
		}
	}
	for _, c := range sortedKeys(wantFilter) {
		for _, r := range wantFilter[c] {
			w("-A " + c + " " + r)
		}
	}
	for _, c := range staleFilter {
		w("-X " + c)
	}
	w("COMMIT")

	commit := func() {
		b.applied = want
		b.appliedFilter = wantFilter
		b.appliedSvc = wantSvc
		b.appliedNP = wantNP
	}
	return buf.Bytes(), commit
}

// ensureJumps adds the jumps from the built-in chains when missing.
func (b *iptBackend) ensureJumps(ctx context.Context) error {
	for _, j := range iptJumps() {
		if _, err := b.r.run(ctx, nil, "iptables", "-w", "-t", j.Table, "-N", j.Target); err != nil && !strings.Contains(err.Error(), "exists") {
			return fmt.Errorf("creating %s/%s: %w", j.Table, j.Target, err)
		}
		check := append([]string{"-w", "-t", j.Table, "-C", j.Chain}, j.args()...)
		if _, err := b.r.run(ctx, nil, "iptables", check...); err == nil {
			continue
		}
		ins := append([]string{"-w", "-t", j.Table, "-I", j.Chain}, j.args()...)
		if _, err := b.r.run(ctx, nil, "iptables", ins...); err != nil {
			return fmt.Errorf("adding the %s jump in %s/%s: %w", j.Target, j.Table, j.Chain, err)
		}
	}
	return nil
}

// listChains returns the NAUTA- chains of a table.
func (b *iptBackend) listChains(ctx context.Context, table string) (map[string]bool, error) {
	out, err := b.r.run(ctx, nil, "iptables-save", "-t", table)
	if err != nil {
		return nil, fmt.Errorf("listing %s chains: %w", table, err)
	}
	return parseIPTChains(out), nil
}

func parseIPTChains(out []byte) map[string]bool {
	chains := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, ":"+iptChainPrefix) {
			chains[strings.Fields(line[1:])[0]] = true
		}
	}
	return chains
}

func (b *iptBackend) cleanup(ctx context.Context) error { return iptCleanup(ctx, b.r) }

// iptCleanup removes the jumps and every NAUTA- chain of nat and filter.
func iptCleanup(ctx context.Context, r runner) error {
	if !r.has("iptables") || !r.has("iptables-save") {
		return nil
	}
	for _, j := range iptJumps() {
		del := append([]string{"-w", "-t", j.Table, "-D", j.Chain}, j.args()...)
		for i := 0; i < 5; i++ {
			if _, err := r.run(ctx, nil, "iptables", del...); err != nil {
				break
			}
		}
	}
	for _, table := range []string{"nat", "filter"} {
		out, err := r.run(ctx, nil, "iptables-save", "-t", table)
		if err != nil {
			return fmt.Errorf("listing %s chains: %w", table, err)
		}
		chains := sortedKeys(parseIPTChains(out))
		if len(chains) == 0 {
			continue
		}
		var buf bytes.Buffer
		buf.WriteString("*" + table + "\n")
		for _, c := range chains {
			buf.WriteString(":" + c + " - [0:0]\n")
		}
		for _, c := range chains {
			buf.WriteString("-X " + c + "\n")
		}
		buf.WriteString("COMMIT\n")
		if _, err := r.run(ctx, buf.Bytes(), "iptables-restore", "-w", "--noflush"); err != nil {
			return fmt.Errorf("deleting %s chains: %w", table, err)
		}
	}
	return nil
}
