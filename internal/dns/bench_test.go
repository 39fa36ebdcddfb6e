package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// benchServices is how many Services the benchmarks index.
const benchServices = 10000

// newIndexedServer is a Server whose index holds n Services (ClusterIP, one
// named port, two ready endpoints each) without an API server: the
// benchmarks measure answering, not watching.
func newIndexedServer(tb testing.TB, n int) *Server {
	tb.Helper()
	s, err := New(Config{
		RESTConfig:  &rest.Config{Host: "https://127.0.0.1:1"},
		ListenAddrs: []string{"127.0.0.1:0"},
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		svc := &v1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: "default"},
			Spec: v1.ServiceSpec{
				ClusterIP: fmt.Sprintf("10.43.%d.%d", i/250, i%250+1),
				Ports:     []v1.ServicePort{{Name: "http", Port: 80, Protocol: v1.ProtocolTCP}},
			},
		}
		slice := testSlice("default", svc.Name, svc.Name+"-1", []testEndpoint{
			{ip: fmt.Sprintf("10.42.%d.%d", i/125, (i%125)*2+1), ready: true},
			{ip: fmt.Sprintf("10.42.%d.%d", i/125, (i%125)*2+2), ready: true},
		}, testPort("http", v1.ProtocolTCP, 8080))
		key := svc.Namespace + "/" + svc.Name
		s.ix.apply(key, buildServiceRecords(svc, []*discovery.EndpointSlice{slice}, s.set.zone, s.set.ttl))
	}
	s.nsExists = func(string) bool { return true }
	s.fwd = newForwarder(nil, time.Second)
	s.synced.Store(true)
	return s
}

// packingWriter is a ResponseWriter that packs the answer the way the
// network path does and drops it.
type packingWriter struct {
	remote net.Addr
	rcode  int
}

func (w *packingWriter) LocalAddr() net.Addr  { return w.remote }
func (w *packingWriter) RemoteAddr() net.Addr { return w.remote }
func (w *packingWriter) WriteMsg(m *mdns.Msg) error {
	w.rcode = m.Rcode
	_, err := m.Pack()
	return err
}
func (w *packingWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *packingWriter) Close() error                { return nil }
func (w *packingWriter) TsigStatus() error           { return nil }
func (w *packingWriter) TsigTimersOnly(bool)         {}
func (w *packingWriter) Hijack()                     {}

// BenchmarkServeDNS measures the handler alone (lookup, reply, packing) for
// Service A queries, a search-path miss and an SRV query.
func BenchmarkServeDNS(b *testing.B) {
	s := newIndexedServer(b, benchServices)
	cases := []struct {
		name  string
		qname func(i int) string
		qtype uint16
		rcode int
	}{
		{"service-A", func(i int) string { return fmt.Sprintf("svc-%d.default.svc.cluster.local.", i%benchServices) }, mdns.TypeA, mdns.RcodeSuccess},
		{"search-miss", func(i int) string { return fmt.Sprintf("host%d.example.com.default.svc.cluster.local.", i%1000) }, mdns.TypeA, mdns.RcodeNameError},
		{"service-SRV", func(i int) string {
			return fmt.Sprintf("_http._tcp.svc-%d.default.svc.cluster.local.", i%benchServices)
		}, mdns.TypeSRV, mdns.RcodeSuccess},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			msgs := make([]*mdns.Msg, 1024)
			for i := range msgs {
				msgs[i] = new(mdns.Msg).SetQuestion(c.qname(i*7), c.qtype)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			cpuStart := processCPU()
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				w := &packingWriter{remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}}
				i := 0
				for pb.Next() {
					s.ServeDNS(w, msgs[i%len(msgs)])
					if w.rcode != c.rcode {
						b.Errorf("rcode %d, want %d", w.rcode, c.rcode)
						return
					}
					i++
					n.Add(1)
				}
			})
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "queries/s")
			b.ReportMetric(float64(n.Load())/(processCPU()-cpuStart).Seconds(), "queries/cpu-s")
		})
	}
}

// udpWindow is how many queries each benchmark client keeps in flight.
const udpWindow = 16

// BenchmarkUDP is a load loop over loopback UDP: parallel clients, each
// with its own socket and udpWindow queries in flight (as dnsperf does),
// asking Service A records.
// Queries are packed up front and answers checked from the header bytes so
// the client spends little CPU; clients and server still share the cores.
func BenchmarkUDP(b *testing.B) {
	s := newIndexedServer(b, benchServices)
	servers, err := s.listen()
	if err != nil {
		b.Fatal(err)
	}
	for _, srv := range servers {
		go func() { _ = srv.ActivateAndServe() }()
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, srv := range servers {
			_ = srv.ShutdownContext(ctx)
		}
	}()
	addr := s.Addrs()[0].(*net.UDPAddr)
	queries := make([][]byte, 4096)
	for i := range queries {
		m := new(mdns.Msg).SetQuestion(fmt.Sprintf("svc-%d.default.svc.cluster.local.", (i*13)%benchServices), mdns.TypeA)
		m.Id = uint16(i)
		packed, err := m.Pack()
		if err != nil {
			b.Fatal(err)
		}
		queries[i] = packed
	}
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	cpuStart := processCPU()
	var n, failed atomic.Int64
	var client atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.DialUDP("udp", nil, addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		buf := make([]byte, 512)
		i := int(client.Add(1)) * 97
		inflight := 0
		// drain reads the answers in flight; a lost one ends the wait at
		// the deadline and counts as failed.
		drain := func() {
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			for ; inflight > 0; inflight-- {
				got, err := conn.Read(buf)
				if err != nil {
					failed.Add(int64(inflight))
					inflight = 0
					return
				}
				// QR set, RCODE 0, one answer.
				if got < 12 || buf[2]&0x80 == 0 || buf[3]&0x0f != 0 || buf[7] != 1 {
					failed.Add(1)
					continue
				}
				n.Add(1)
			}
		}
		for pb.Next() {
			if _, err := conn.Write(queries[i%len(queries)]); err != nil {
				failed.Add(1)
				continue
			}
			i++
			if inflight++; inflight == udpWindow {
				drain()
			}
		}
		drain()
	})
	elapsed := time.Since(start)
	b.ReportMetric(float64(n.Load())/elapsed.Seconds(), "queries/s")
	// On a shared machine the wall-clock rate depends on what else runs;
	// answers per CPU-second of this process (clients included) do not.
	b.ReportMetric(float64(n.Load())/(processCPU()-cpuStart).Seconds(), "queries/cpu-s")
	if f := failed.Load(); f > 0 {
		b.ReportMetric(float64(f), "failed")
	}
}

// processCPU is the user+system CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestLoad(t *testing.T) {
	s := newIndexedServer(t, 100)
	servers, err := s.listen()
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range servers {
		go func() { _ = srv.ActivateAndServe() }()
	}
	defer func() {
		for _, srv := range servers {
			_ = srv.Shutdown()
		}
	}()
	var names []string
	for i := range 100 {
		names = append(names, fmt.Sprintf("svc-%d.default.svc.cluster.local", i))
	}
	res, err := Load(context.Background(), LoadOptions{Server: s.Addrs()[0].String(), Names: names, Clients: 2, Window: 8, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v, %.0f queries/s", res, res.QPS())
	if res.Answered == 0 || res.NoError != res.Answered || res.Answered+res.Lost != res.Sent {
		t.Errorf("result %+v", res)
	}
}
