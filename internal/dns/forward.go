package dns

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// forwarder sends queries for names outside the cluster to the upstream
// resolvers: over UDP first, again over TCP when the answer is truncated,
// trying the next upstream when one fails. The starting upstream rotates so
// the load spreads; an upstream that just failed is tried last for a while
// so one dead resolver does not cost every query a timeout.
type forwarder struct {
	upstreams []string
	udp       *mdns.Client
	tcp       *mdns.Client
	next      atomic.Uint32
	// failedAt holds, per upstream, the Unix nanoseconds of its last
	// failure (0: none).
	failedAt []atomic.Int64
	// sent counts queries per upstream (nil: not counted).
	sent *prometheus.CounterVec
}

func newForwarder(upstreams []string, timeout time.Duration) *forwarder {
	return &forwarder{
		upstreams: upstreams,
		failedAt:  make([]atomic.Int64, len(upstreams)),
		udp:       &mdns.Client{Net: "udp", Timeout: timeout, UDPSize: udpReadSize},
		tcp:       &mdns.Client{Net: "tcp", Timeout: timeout},
	}
}

func (f *forwarder) enabled() bool { return len(f.upstreams) > 0 }

// exchange asks the upstreams in turn and returns the first answer.
func (f *forwarder) exchange(ctx context.Context, req *mdns.Msg) (*mdns.Msg, error) {
	if !f.enabled() {
		return nil, errNoUpstream
	}
	var errs []error
	for _, i := range f.order(time.Now()) {
		if ctx.Err() != nil {
			break
		}
		up := f.upstreams[i]
		resp, err := f.exchangeOne(ctx, req, up)
		if err == nil {
			f.failedAt[i].Store(0)
			return resp, nil
		}
		f.failedAt[i].Store(time.Now().UnixNano())
		errs = append(errs, fmt.Errorf("%s: %w", up, err))
	}
	return nil, errors.Join(errs...)
}

// upstreamPenalty is how long a failed upstream goes to the back of the
// line.
const upstreamPenalty = 10 * time.Second

// order lists the upstreams to try: rotating, the ones that failed within
// upstreamPenalty after the others.
func (f *forwarder) order(now time.Time) []int {
	n := len(f.upstreams)
	start := int(f.next.Add(1))
	healthy := make([]int, 0, n)
	var failed []int
	for k := range n {
		i := (start + k) % n
		if at := f.failedAt[i].Load(); at != 0 && now.Sub(time.Unix(0, at)) < upstreamPenalty {
			failed = append(failed, i)
			continue
		}
		healthy = append(healthy, i)
	}
	return append(healthy, failed...)
}

func (f *forwarder) exchangeOne(ctx context.Context, req *mdns.Msg, upstream string) (*mdns.Msg, error) {
	m := req.Copy()
	m.Id = mdns.Id()
	if f.sent != nil {
		f.sent.WithLabelValues(upstream).Inc()
	}
	resp, _, err := f.udp.ExchangeContext(ctx, m, upstream)
	if err == nil && resp.Truncated {
		resp, _, err = f.tcp.ExchangeContext(ctx, m, upstream)
	}
	if err != nil {
		return nil, err
	}
	if resp.Id != m.Id {
		return nil, fmt.Errorf("answer id %d for query id %d", resp.Id, m.Id)
	}
	return resp, nil
}

// forward answers r from upstream, SERVFAIL when no upstream answers.
func (s *Server) forward(w mdns.ResponseWriter, r *mdns.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), s.set.fwdTimeout*time.Duration(max(1, len(s.fwd.upstreams))))
	defer cancel()
	resp, err := s.resolveUpstream(ctx, r)
	if err != nil {
		s.logger.Debug("forward failed", "name", r.Question[0].Name, "err", err)
		s.metrics.response(s.metricsZone(lowerName(r.Question[0].Name)), mdns.RcodeServerFailure, pluginForward)
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeServerFailure)
		m.RecursionAvailable = true
		_ = w.WriteMsg(m)
		return
	}
	s.metrics.response(s.metricsZone(lowerName(r.Question[0].Name)), resp.Rcode, pluginForward)
	resp.Id = r.Id
	resp.Question = r.Question
	resp.Compress = true
	if isUDP(w) {
		size := mdns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil && int(opt.UDPSize()) > size {
			size = int(opt.UDPSize())
		}
		resp.Truncate(size)
	}
	_ = w.WriteMsg(resp)
}

// resolveUpstream answers r from the cache or the upstreams; the message
// returned is the caller's to change.
func (s *Server) resolveUpstream(ctx context.Context, r *mdns.Msg) (*mdns.Msg, error) {
	key := keyOf(r)
	if m := s.cache.get(key, time.Now()); m != nil {
		return m, nil
	}
	resp, err := s.fwd.exchange(ctx, r)
	if err != nil {
		return nil, err
	}
	s.cache.put(key, resp, time.Now())
	return resp, nil
}
