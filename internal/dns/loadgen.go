package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// LoadOptions configures Load, a UDP load generator for measuring a DNS
// server's queries per second (the `nauta bench`-style number of
// docs/benchmarks.md).
type LoadOptions struct {
	// Server is host:port of the server under test.
	Server string
	// Names are asked in turn (type A); at least one.
	Names []string
	// Clients is how many sockets send in parallel (default 4).
	Clients int
	// Window is how many queries each client keeps in flight (default 16).
	Window int
	// Duration of the run (default 10 s).
	Duration time.Duration
}

// LoadResult is what a Load run measured.
type LoadResult struct {
	Sent     int64
	Answered int64 // responses of any rcode
	NoError  int64 // NOERROR responses with at least one answer
	Lost     int64 // no response within 2 s
	Elapsed  time.Duration
}

// QPS is answered queries per second.
func (r LoadResult) QPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answered) / r.Elapsed.Seconds()
}

// Load sends A queries for opts.Names to opts.Server over UDP from
// parallel clients until the duration ends or ctx does.
func Load(ctx context.Context, opts LoadOptions) (LoadResult, error) {
	if len(opts.Names) == 0 {
		return LoadResult{}, errors.New("dns load: no names")
	}
	addr, err := net.ResolveUDPAddr("udp", opts.Server)
	if err != nil {
		return LoadResult{}, fmt.Errorf("dns load: %w", err)
	}
	clients, window, duration := opts.Clients, opts.Window, opts.Duration
	if clients <= 0 {
		clients = 4
	}
	if window <= 0 {
		window = 16
	}
	if duration <= 0 {
		duration = 10 * time.Second
	}
	queries := make([][]byte, len(opts.Names))
	for i, name := range opts.Names {
		packed, err := new(mdns.Msg).SetQuestion(mdns.Fqdn(name), mdns.TypeA).Pack()
		if err != nil {
			return LoadResult{}, fmt.Errorf("dns load: %s: %w", name, err)
		}
		queries[i] = packed
	}

	var res LoadResult
	var sent, answered, noError, lost atomic.Int64
	deadline := time.Now().Add(duration)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialUDP("udp", nil, addr)
			if err != nil {
				errs[c] = err
				return
			}
			defer conn.Close()
			buf := make([]byte, 4096)
			q := make([]byte, 0, 512)
			next := c * 7919
			id := uint16(c << 12)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				for range window {
					q = append(q[:0], queries[next%len(queries)]...)
					next++
					id++
					q[0], q[1] = byte(id>>8), byte(id)
					if _, err := conn.Write(q); err != nil {
						errs[c] = err
						return
					}
					sent.Add(1)
				}
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				for got := 0; got < window; got++ {
					n, err := conn.Read(buf)
					if err != nil {
						lost.Add(int64(window - got))
						break
					}
					if n < 12 || buf[2]&0x80 == 0 {
						continue
					}
					answered.Add(1)
					if buf[3]&0x0f == 0 && (buf[6] != 0 || buf[7] != 0) {
						noError.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Sent, res.Answered, res.NoError, res.Lost = sent.Load(), answered.Load(), noError.Load(), lost.Load()
	return res, errors.Join(errs...)
}
