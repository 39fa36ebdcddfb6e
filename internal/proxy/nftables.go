package proxy

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
)

// nftBackend keeps the "ip nauta" table in step with the Services. It
// remembers what it last wrote so that a change of one Service becomes a
// transaction touching only that Service's elements and chains.
type nftBackend struct {
	r      runner
	params nftParams
	log    *slog.Logger

	fragments map[string]*nftFragment       // desired, by Service key
	owners    map[nftElem]map[string]string // element → Service key → value
	applied   map[nftElem]string            // elements believed in the kernel
	chains    map[string][]string           // per-Service chains in the kernel
	sets      map[string]int32              // affinity sets in the kernel
	helpers   map[string]bool               // shared balancing chains in the kernel
	pending   pendingChanges                // changed since the last successful sync
	synced    bool                          // a full sync has succeeded
	fallbacks int                           // incremental syncs that failed
}

// pendingChanges collects what changed since the last transaction that
// went through, so a failed incremental sync is not lost.
type pendingChanges struct {
	elems  map[nftElem]bool
	chains map[string]bool
	sets   map[string]bool
}

func newNFTBackend(r runner, params nftParams, log *slog.Logger) *nftBackend {
	return &nftBackend{
		r: r, params: params, log: log,
		fragments: map[string]*nftFragment{},
		owners:    map[nftElem]map[string]string{},
		applied:   map[nftElem]string{},
		chains:    map[string][]string{},
		sets:      map[string]int32{},
		helpers:   map[string]bool{},
		pending:   pendingChanges{elems: map[nftElem]bool{}, chains: map[string]bool{}, sets: map[string]bool{}},
	}
}

func (b *nftBackend) name() string { return "nftables" }

// update records the new ports of a Service (nil: gone).
func (b *nftBackend) update(key string, ports []servicePort) {
	old := b.fragments[key]
	var nf *nftFragment
	if len(ports) > 0 {
		nf = nftFragmentFor(ports, b.params)
		b.fragments[key] = nf
	} else {
		delete(b.fragments, key)
	}
	if old != nil {
		for e := range old.Elements {
			if o := b.owners[e]; o != nil {
				delete(o, key)
				if len(o) == 0 {
					delete(b.owners, e)
				}
			}
			b.pending.elems[e] = true
		}
		for c := range old.Chains {
			b.pending.chains[c] = true
		}
		for s := range old.Sets {
			b.pending.sets[s] = true
		}
	}
	if nf != nil {
		for e, v := range nf.Elements {
			o := b.owners[e]
			if o == nil {
				o = map[string]string{}
				b.owners[e] = o
			}
			o[key] = v
			b.pending.elems[e] = true
		}
		for c := range nf.Chains {
			b.pending.chains[c] = true
		}
		for s := range nf.Sets {
			b.pending.sets[s] = true
		}
	}
}

// desiredElem is the value an element should have: when two Services
// claim the same key (say, one external IP and port), the first Service
// key in order wins, deterministically.
func (b *nftBackend) desiredElem(e nftElem) (string, bool) {
	o := b.owners[e]
	if len(o) == 0 {
		return "", false
	}
	first := ""
	for k := range o {
		if first == "" || k < first {
			first = k
		}
	}
	return o[first], true
}

// desiredChain finds the wanted rules of a per-Service chain.
func (b *nftBackend) desiredChain(name string) ([]string, bool) {
	key := chainServiceKey(name)
	if f := b.fragments[key]; f != nil {
		rules, ok := f.Chains[name]
		return rules, ok
	}
	return nil, false
}

// chainServiceKey extracts "ns/name" from a per-Service chain name
// ("service-HASH-ns/name/proto/port..."). Chain names are not parsed
// anywhere else; this keeps the lookup cheap.
func chainServiceKey(name string) string {
	parts := strings.SplitN(name, "-", 3)
	if len(parts) < 3 {
		return ""
	}
	p := strings.SplitN(parts[2], "/", 3)
	if len(p) < 2 {
		return ""
	}
	return p[0] + "/" + p[1]
}

func (b *nftBackend) desiredSet(name string) (int32, bool) {
	for _, f := range b.fragments {
		if t, ok := f.Sets[name]; ok {
			return t, true
		}
	}
	return 0, false
}

// sync writes the pending changes. When the table's state is unknown
// (first sync, or after a failure) it replaces the whole table in one
// transaction: whatever an earlier run left is gone, and established
// connections keep their conntrack entries (ClientIP affinity memory is
// lost, as after any restart). A periodic full sync on a known table writes
// the pending element changes, then rewrites every chain, trusting the
// elements it wrote itself: listing or re-adding tens of thousands of
// elements every SyncPeriod costs seconds of CPU (nft 1.0.6 loads every
// element even to list one chain).
func (b *nftBackend) sync(ctx context.Context, full bool) error {
	if b.synced {
		err := b.syncIncremental(ctx)
		if err == nil && full {
			err = b.syncFull(ctx, false)
		}
		if err == nil {
			return nil
		}
		b.fallbacks++
		b.log.Warn("nftables sync failed, replacing the table", "err", err)
	}
	b.synced = false
	if err := b.syncFull(ctx, true); err != nil {
		return err
	}
	b.synced = true
	return nil
}

// incrementalTx renders the transaction for the pending changes and
// returns a function recording its success.
func (b *nftBackend) incrementalTx() ([]byte, func()) {
	var buf bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&buf, format, a...); buf.WriteByte('\n') }
	tbl := nftFamily + " " + nftTable

	// Shared balancing chains first: new elements jump to them.
	newHelpers := map[string]bool{}
	for _, f := range b.fragments {
		for h := range f.Helpers {
			if !b.helpers[h] {
				newHelpers[h] = true
			}
		}
	}
	for _, h := range sortedKeys(newHelpers) {
		rules, err := helperRules(h, b.params)
		if err != nil {
			b.log.Error("bad helper chain", "chain", h, "err", err)
			continue
		}
		writeChain(w, tbl, h, "", rules)
	}

	var addSets, delSets []string
	for _, s := range sortedKeys(b.pending.sets) {
		t, want := b.desiredSet(s)
		_, have := b.sets[s]
		switch {
		case want && !have:
			addSets = append(addSets, s)
			w("add set %s %s { type ipv4_addr ; flags dynamic,timeout ; timeout %ds ; }", tbl, s, t)
		case !want && have:
			delSets = append(delSets, s)
		}
	}

	type chainChange struct {
		name  string
		rules []string
	}
	var setChains []chainChange
	var delChains []string
	for _, c := range sortedKeys(b.pending.chains) {
		rules, want := b.desiredChain(c)
		old, have := b.chains[c]
		switch {
		case want && (!have || !slices.Equal(rules, old)):
			setChains = append(setChains, chainChange{c, rules})
			w("add chain %s %s", tbl, c)
		case !want && have:
			delChains = append(delChains, c)
			w("flush chain %s %s", tbl, c)
		}
	}
	for _, c := range setChains {
		w("flush chain %s %s", tbl, c.name)
		for _, r := range c.rules {
			w("add rule %s %s %s", tbl, c.name, r)
		}
	}

	dels := map[string][]string{}
	adds := map[string][]string{}
	type elemResult struct {
		e       nftElem
		v       string
		present bool
	}
	var results []elemResult
	for e := range b.pending.elems {
		want, wok := b.desiredElem(e)
		have, hok := b.applied[e]
		if hok && (!wok || want != have) {
			dels[e.Set] = append(dels[e.Set], e.Key)
		}
		if wok && (!hok || want != have) {
			adds[e.Set] = append(adds[e.Set], elemText(e.Key, want))
		}
		results = append(results, elemResult{e, want, wok})
	}
	for _, s := range sortedKeys(dels) {
		sort.Strings(dels[s])
		w("delete element %s %s { %s }", tbl, s, strings.Join(dels[s], ", "))
	}
	for _, s := range sortedKeys(adds) {
		sort.Strings(adds[s])
		w("add element %s %s { %s }", tbl, s, strings.Join(adds[s], ", "))
	}
	for _, c := range delChains {
		w("delete chain %s %s", tbl, c)
	}
	for _, s := range delSets {
		w("delete set %s %s", tbl, s)
	}

	commit := func() {
		for h := range newHelpers {
			b.helpers[h] = true
		}
		for _, s := range addSets {
			t, _ := b.desiredSet(s)
			b.sets[s] = t
		}
		for _, s := range delSets {
			delete(b.sets, s)
		}
		for _, c := range setChains {
			b.chains[c.name] = c.rules
		}
		for _, c := range delChains {
			delete(b.chains, c)
		}
		for _, r := range results {
			if r.present {
				b.applied[r.e] = r.v
			} else {
				delete(b.applied, r.e)
			}
		}
		b.pending = pendingChanges{elems: map[nftElem]bool{}, chains: map[string]bool{}, sets: map[string]bool{}}
	}
	return buf.Bytes(), commit
}

func elemText(key, value string) string {
	if value == "" {
		return key
	}
	return key + " : " + value
}

func writeChain(w func(string, ...any), tbl, name, hook string, rules []string) {
	if hook != "" {
		w("add chain %s %s { %s }", tbl, name, hook)
	} else {
		w("add chain %s %s", tbl, name)
	}
	w("flush chain %s %s", tbl, name)
	for _, r := range rules {
		w("add rule %s %s %s", tbl, name, r)
	}
}

func (b *nftBackend) syncIncremental(ctx context.Context) error {
	tx, commit := b.incrementalTx()
	if len(tx) == 0 {
		commit()
		return nil
	}
	if _, err := b.r.run(ctx, tx, "nft", "-f", "-"); err != nil {
		return fmt.Errorf("nft incremental transaction: %w", err)
	}
	commit()
	return nil
}

// fullTx renders the whole table. With replace, the table is deleted and
// written anew, elements included; without, the sets exist and only the
// chains are rewritten (chains and sets no longer wanted are deleted).
func (b *nftBackend) fullTx(replace bool) ([]byte, func()) {
	var buf bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&buf, format, a...); buf.WriteByte('\n') }
	tbl := nftFamily + " " + nftTable
	w("add table %s", tbl)
	if replace {
		w("delete table %s", tbl)
		w("add table %s", tbl)
	}

	wantChains := map[string][]string{}
	wantSets := map[string]int32{}
	helpers := map[string]bool{}
	for _, f := range b.fragments {
		maps.Copy(wantChains, f.Chains)
		maps.Copy(wantSets, f.Sets)
		for h := range f.Helpers {
			helpers[h] = true
		}
	}
	base := nftBaseChains(b.params)

	// Chains and sets we wrote that are not wanted any more are emptied
	// first, so nothing references them when they are deleted at the end.
	var staleChains, staleSets []string
	if !replace {
		for _, c := range sortedKeys(b.chains) {
			if _, ok := wantChains[c]; !ok {
				staleChains = append(staleChains, c)
				w("flush chain %s %s", tbl, c)
			}
		}
		for _, h := range sortedKeys(b.helpers) {
			if !helpers[h] {
				staleChains = append(staleChains, h)
				w("flush chain %s %s", tbl, h)
			}
		}
		for _, s := range sortedKeys(b.sets) {
			if _, ok := wantSets[s]; !ok {
				staleSets = append(staleSets, s)
			}
		}
	}

	// Re-declaring an existing typeof map fails with "File exists" (the
	// kernel compares the declarations): sets are declared only when new.
	if replace {
		for _, s := range nftBaseSets() {
			w("add %s %s %s { %s }", s.Kind, tbl, s.Name, s.Decl)
		}
	}
	for _, s := range sortedKeys(wantSets) {
		if _, ok := b.sets[s]; replace || !ok {
			w("add set %s %s { type ipv4_addr ; flags dynamic,timeout ; timeout %ds ; }", tbl, s, wantSets[s])
		}
	}
	// Declare every chain before any rule jumps to it.
	for _, c := range base {
		if c.Hook != "" {
			w("add chain %s %s { %s }", tbl, c.Name, c.Hook)
		} else {
			w("add chain %s %s", tbl, c.Name)
		}
	}
	for _, h := range sortedKeys(helpers) {
		w("add chain %s %s", tbl, h)
	}
	for _, c := range sortedKeys(wantChains) {
		w("add chain %s %s", tbl, c)
	}
	for _, c := range base {
		w("flush chain %s %s", tbl, c.Name)
		for _, r := range c.Rules {
			w("add rule %s %s %s", tbl, c.Name, r)
		}
	}
	for _, h := range sortedKeys(helpers) {
		rules, err := helperRules(h, b.params)
		if err != nil {
			b.log.Error("bad helper chain", "chain", h, "err", err)
			continue
		}
		w("flush chain %s %s", tbl, h)
		for _, r := range rules {
			w("add rule %s %s %s", tbl, h, r)
		}
	}
	for _, c := range sortedKeys(wantChains) {
		w("flush chain %s %s", tbl, c)
		for _, r := range wantChains[c] {
			w("add rule %s %s %s", tbl, c, r)
		}
	}
	var elems map[nftElem]string
	if replace {
		elems = map[nftElem]string{}
		bySet := map[string][]string{}
		for e := range b.owners {
			if v, ok := b.desiredElem(e); ok {
				elems[e] = v
				bySet[e.Set] = append(bySet[e.Set], elemText(e.Key, v))
			}
		}
		if ips := nodePortIPElements(b.params); len(ips) > 0 {
			bySet[setNodePortIPs] = ips
		}
		for _, s := range sortedKeys(bySet) {
			sort.Strings(bySet[s])
			w("add element %s %s { %s }", tbl, s, strings.Join(bySet[s], ", "))
		}
	}
	for _, c := range staleChains {
		w("delete chain %s %s", tbl, c)
	}
	for _, s := range staleSets {
		w("delete set %s %s", tbl, s)
	}

	commit := func() {
		if replace {
			b.applied = elems
		}
		b.chains = wantChains
		b.sets = wantSets
		b.helpers = helpers
		b.pending = pendingChanges{elems: map[nftElem]bool{}, chains: map[string]bool{}, sets: map[string]bool{}}
	}
	return buf.Bytes(), commit
}

func (b *nftBackend) syncFull(ctx context.Context, replace bool) error {
	tx, commit := b.fullTx(replace)
	if _, err := b.r.run(ctx, tx, "nft", "-f", "-"); err != nil {
		return fmt.Errorf("nft full transaction: %w", err)
	}
	commit()
	return nil
}

// cleanup deletes the nauta table.
func (b *nftBackend) cleanup(ctx context.Context) error {
	return nftCleanup(ctx, b.r)
}

func nftCleanup(ctx context.Context, r runner) error {
	if !r.has("nft") {
		return nil
	}
	_, err := r.run(ctx, []byte("add table "+nftFamily+" "+nftTable+"\ndelete table "+nftFamily+" "+nftTable+"\n"), "nft", "-f", "-")
	if err != nil {
		return fmt.Errorf("deleting the nftables table: %w", err)
	}
	return nil
}

func sortedKeys[M ~map[K]V, K ~string, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
