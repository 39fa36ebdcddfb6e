package dns

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

func TestForwarderSkipsFailedUpstream(t *testing.T) {
	up := startFakeUpstream(t)
	// A resolver that never answers.
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	timeout := 300 * time.Millisecond
	f := newForwarder([]string{hole.LocalAddr().String(), up.addr}, timeout)

	slow := 0
	for i := range 6 {
		m := new(mdns.Msg).SetQuestion(fmt.Sprintf("n%d.example.org.", i), mdns.TypeA)
		start := time.Now()
		resp, err := f.exchange(context.Background(), m)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		if resp.Rcode != mdns.RcodeNameError {
			t.Errorf("query %d: rcode %s", i, mdns.RcodeToString[resp.Rcode])
		}
		if took >= timeout {
			slow++
		}
	}
	// At most the first query waits for the dead upstream; after that it
	// goes to the back of the line.
	if slow > 1 {
		t.Errorf("%d of 6 queries waited for the dead upstream", slow)
	}
}

func TestForwarderAllDown(t *testing.T) {
	f := newForwarder(nil, time.Second)
	if _, err := f.exchange(context.Background(), new(mdns.Msg).SetQuestion("example.com.", mdns.TypeA)); err != errNoUpstream {
		t.Errorf("err = %v, want errNoUpstream", err)
	}
}

func TestAnswerCache(t *testing.T) {
	c := newAnswerCache()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := new(mdns.Msg).SetQuestion("Example.COM.", mdns.TypeA)
	key := keyOf(req)
	answer := new(mdns.Msg)
	answer.SetReply(req)
	answer.Answer = []mdns.RR{&mdns.A{Hdr: hdr("example.com.", mdns.TypeA, 20), A: net.ParseIP("192.0.2.1")}}
	c.put(key, answer, now)

	if got := c.get(keyOf(new(mdns.Msg).SetQuestion("example.com.", mdns.TypeA)), now.Add(5*time.Second)); got == nil {
		t.Fatal("miss for the same name in other case")
	} else if ttl := got.Answer[0].Header().Ttl; ttl != 15 {
		t.Errorf("TTL %d after 5 s, want 15", ttl)
	}
	if got := c.get(key, now.Add(21*time.Second)); got != nil {
		t.Errorf("hit after the TTL ran out")
	}

	nx := new(mdns.Msg)
	nx.SetRcode(req, mdns.RcodeNameError)
	nx.Ns = []mdns.RR{&mdns.SOA{Hdr: hdr("com.", mdns.TypeSOA, 900), Minttl: 900}}
	c.put(key, nx, now)
	if got := c.get(key, now.Add(29*time.Second)); got == nil || got.Rcode != mdns.RcodeNameError {
		t.Errorf("negative answer not cached for 29 s: %v", got)
	}
	if got := c.get(key, now.Add(31*time.Second)); got != nil {
		t.Errorf("negative answer cached past 30 s")
	}

	servfail := new(mdns.Msg)
	servfail.SetRcode(req, mdns.RcodeServerFailure)
	c.put(key, servfail, now)
	if got := c.get(key, now); got != nil {
		t.Errorf("SERVFAIL cached")
	}
}
