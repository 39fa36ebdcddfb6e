package dns

import (
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// Forwarded answers are cached like kubeadm's CoreDNS ("cache 30"): at most
// maxCacheTTL, never longer than the records' own TTL.
const (
	maxCacheTTL     = 30 * time.Second
	maxCacheEntries = 10000
	// negativeTTL is used for a negative answer without an SOA.
	negativeTTL = 5 * time.Second
)

type cacheKey struct {
	name   string // lowercase
	qtype  uint16
	qclass uint16
	do     bool
}

type cacheEntry struct {
	msg     *mdns.Msg
	stored  time.Time
	expires time.Time
}

// answerCache holds upstream answers (NOERROR and NXDOMAIN) so repeated
// lookups of external names do not each cross to the upstream.
type answerCache struct {
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

func newAnswerCache() *answerCache {
	return &answerCache{entries: map[cacheKey]cacheEntry{}}
}

func keyOf(r *mdns.Msg) cacheKey {
	q := r.Question[0]
	k := cacheKey{name: lowerName(q.Name), qtype: q.Qtype, qclass: q.Qclass}
	if opt := r.IsEdns0(); opt != nil {
		k.do = opt.Do()
	}
	return k
}

// get returns a copy of the cached answer with TTLs lowered by its age and
// capped by the entry's remaining life, or nil.
func (c *answerCache) get(k cacheKey, now time.Time) *mdns.Msg {
	c.mu.Lock()
	e, ok := c.entries[k]
	if ok && !now.Before(e.expires) {
		delete(c.entries, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	m := e.msg.Copy()
	age := uint32(now.Sub(e.stored) / time.Second)
	remaining := uint32(e.expires.Sub(now) / time.Second)
	for _, section := range [][]mdns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range section {
			h := rr.Header()
			if h.Rrtype == mdns.TypeOPT {
				continue
			}
			if h.Ttl > age {
				h.Ttl -= age
			} else {
				h.Ttl = 0
			}
			h.Ttl = min(h.Ttl, remaining)
		}
	}
	return m
}

// put stores an upstream answer for as long as its records live, capped.
func (c *answerCache) put(k cacheKey, m *mdns.Msg, now time.Time) {
	if m.Truncated || (m.Rcode != mdns.RcodeSuccess && m.Rcode != mdns.RcodeNameError) {
		return
	}
	ttl := maxCacheTTL
	if len(m.Answer) > 0 {
		for _, rr := range m.Answer {
			if d := time.Duration(rr.Header().Ttl) * time.Second; d < ttl {
				ttl = d
			}
		}
	} else {
		ttl = min(ttl, negativeTTL)
		for _, rr := range m.Ns {
			if soa, ok := rr.(*mdns.SOA); ok {
				ttl = min(maxCacheTTL, time.Duration(min(soa.Minttl, soa.Hdr.Ttl))*time.Second)
			}
		}
	}
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCacheEntries {
		// Drop expired entries, then arbitrary ones if still full.
		for key, e := range c.entries {
			if !now.Before(e.expires) || len(c.entries) >= maxCacheEntries {
				delete(c.entries, key)
			}
			if len(c.entries) < maxCacheEntries*9/10 {
				break
			}
		}
	}
	c.entries[k] = cacheEntry{msg: m.Copy(), stored: now, expires: now.Add(ttl)}
}
