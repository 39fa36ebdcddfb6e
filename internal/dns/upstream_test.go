package dns

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"

	mdns "github.com/miekg/dns"
)

// fakeUpstream is a resolver on loopback that answers a few fixed names and
// counts what it is asked, per transport.
type fakeUpstream struct {
	addr    string
	udpHits atomic.Int64
	tcpHits atomic.Int64
	mu      sync.Mutex
	asked   []string
}

const (
	upstreamIP  = "93.184.216.34"
	bigTXTCount = 40
)

func startFakeUpstream(t testing.TB) *fakeUpstream {
	t.Helper()
	pc, ln, err := listenPair("127.0.0.1:0")
	if err != nil {
		t.Fatalf("fake upstream listen: %v", err)
	}
	u := &fakeUpstream{addr: pc.LocalAddr().String()}
	udp := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) { u.serve(w, r, false) })}
	tcp := &mdns.Server{Listener: ln, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) { u.serve(w, r, true) })}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return u
}

func (u *fakeUpstream) serve(w mdns.ResponseWriter, r *mdns.Msg, tcp bool) {
	if tcp {
		u.tcpHits.Add(1)
	} else {
		u.udpHits.Add(1)
	}
	q := r.Question[0]
	u.mu.Lock()
	u.asked = append(u.asked, q.Name)
	u.mu.Unlock()
	m := new(mdns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	switch {
	case q.Name == "example.com." && q.Qtype == mdns.TypeA:
		m.Answer = []mdns.RR{&mdns.A{Hdr: hdr(q.Name, mdns.TypeA, 60), A: net.ParseIP(upstreamIP)}}
	case q.Name == "big.example.com." && q.Qtype == mdns.TypeTXT:
		if !tcp {
			m.Truncated = true
			break
		}
		for i := 0; i < bigTXTCount; i++ {
			m.Answer = append(m.Answer, &mdns.TXT{Hdr: hdr(q.Name, mdns.TypeTXT, 60), Txt: []string{"a fairly long text record to overflow 512 bytes"}})
		}
	case q.Name == "example.com.":
	default:
		m.Rcode = mdns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

func (u *fakeUpstream) wasAsked(name string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, a := range u.asked {
		if a == name {
			return true
		}
	}
	return false
}
