package dns

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// index maps lowercase owner names (forward names under the cluster zone and
// reverse names under in-addr.arpa/ip6.arpa) to their answers, so a query is
// one map read. Writers replace whole entries; readers never see a
// half-updated entry.
type index struct {
	mu    sync.RWMutex
	names map[string]*entry

	// writeMu serialises writers; the state below is theirs alone.
	writeMu  sync.Mutex
	services map[string]*serviceRecords     // "ns/name" → its records
	ptrs     map[string]map[string]ptrClaim // IP → "ns/name" → claim
	ttl      uint32

	// serial is the SOA serial: the Unix time of the last change.
	serial atomic.Uint32
}

func newIndex(ttl uint32) *index {
	ix := &index{
		names:    map[string]*entry{},
		services: map[string]*serviceRecords{},
		ptrs:     map[string]map[string]ptrClaim{},
		ttl:      ttl,
	}
	ix.serial.Store(uint32(time.Now().Unix()))
	return ix
}

// lookup returns the entry of a lowercase FQDN, nil when the index does not
// know the name.
func (ix *index) lookup(name string) *entry {
	ix.mu.RLock()
	e := ix.names[name]
	ix.mu.RUnlock()
	return e
}

// apply replaces the records of the Service key with recs (nil: the
// Service is gone) and recomputes the PTR entries of every IP that changed
// hands.
func (ix *index) apply(key string, recs *serviceRecords) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()

	old := ix.services[key]
	affected := map[string]bool{}
	if old != nil {
		for ip := range old.ptrs {
			affected[ip] = true
			delete(ix.ptrs[ip], key)
			if len(ix.ptrs[ip]) == 0 {
				delete(ix.ptrs, ip)
			}
		}
	}
	if recs != nil {
		for ip, claim := range recs.ptrs {
			affected[ip] = true
			if ix.ptrs[ip] == nil {
				ix.ptrs[ip] = map[string]ptrClaim{}
			}
			ix.ptrs[ip][key] = claim
		}
	}
	reverse := make(map[string]*entry, len(affected))
	for ip := range affected {
		name, err := mdns.ReverseAddr(ip)
		if err != nil {
			continue
		}
		reverse[name] = ix.ptrEntry(name, ix.ptrs[ip])
	}

	ix.mu.Lock()
	if old != nil {
		for name := range old.names {
			delete(ix.names, name)
		}
	}
	if recs != nil {
		for name, e := range recs.names {
			ix.names[name] = e
		}
	}
	for name, e := range reverse {
		if e == nil {
			delete(ix.names, name)
		} else {
			ix.names[name] = e
		}
	}
	ix.mu.Unlock()

	if recs == nil {
		delete(ix.services, key)
	} else {
		ix.services[key] = recs
	}
	ix.serial.Store(uint32(time.Now().Unix()))
}

// ptrEntry answers a reverse name from the claims on its IP: a ClusterIP
// wins (one PTR, as CoreDNS stops at the first Service); otherwise every
// endpoint name holding the address. nil when nobody claims it.
func (ix *index) ptrEntry(name string, claims map[string]ptrClaim) *entry {
	if len(claims) == 0 {
		return nil
	}
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var targets []string
	for _, k := range keys {
		if c := claims[k]; c.clusterIP {
			targets = c.names[:1]
			break
		}
	}
	if targets == nil {
		for _, k := range keys {
			for _, n := range claims[k].names {
				targets = appendUnique(targets, n)
			}
		}
	}
	e := &entry{}
	for _, t := range targets {
		e.ptr = append(e.ptr, &mdns.PTR{Hdr: hdr(name, mdns.TypePTR, ix.ttl), Ptr: t})
	}
	return e
}

// serviceCount is how many Services the index holds (for tests and logs).
func (ix *index) serviceCount() int {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	return len(ix.services)
}
