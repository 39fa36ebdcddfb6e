package proxy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// benchPorts is Service i with a ClusterIP and two endpoints; gen varies
// the endpoints so a change can be made.
func benchPorts(i, gen int) []servicePort {
	ip := func(net2, n int) string { return fmt.Sprintf("10.%d.%d.%d", net2, n/256%256, n%256) }
	eps := []endpoint{{IP: ip(44+gen%2, i), Port: 8080}, {IP: ip(46+gen%2, i), Port: 8080}}
	return []servicePort{{
		Name:             servicePortName{Namespace: "bench", Name: fmt.Sprintf("svc-%d", i), Port: "http", Protocol: v1.ProtocolTCP},
		ClusterIP:        ip(43, i),
		Port:             80,
		ClusterEndpoints: eps,
		LocalEndpoints:   eps,
	}}
}

func benchNetns(b *testing.B, name string) execRunner {
	b.Helper()
	ns := fmt.Sprintf("npx%d-bench-%s", os.Getpid()%100000, name)
	sh(b, "ip", "netns", "add", ns)
	b.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	return execRunner{netns: ns, cpu: new(atomic.Int64)}
}

// measure reports the CPU time the netfilter tools used per operation
// next to the wall time.
func measure(b *testing.B, r execRunner, body func(i int)) {
	b.Helper()
	r.cpu.Store(0)
	b.ResetTimer()
	for i := range b.N {
		body(i)
	}
	b.StopTimer()
	b.ReportMetric(float64(r.cpu.Load())/float64(b.N)/1e6, "tool-cpu-ms/op")
}

// BenchmarkSync measures, applied to a kernel in a throwaway network
// namespace: a full resync of N Services × 2 endpoints over existing rules
// (full), a first sync into an empty kernel (cold), and the sync after one
// Service's endpoints changed (one-change). iptables with 10,000
// Services runs only with NAUTA_BENCH_IPTABLES_10K=1.
func BenchmarkSync(b *testing.B) {
	requireKernelTools(b)
	ctx := context.Background()
	params := nftParams{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16"}
	for _, mode := range []string{ModeNFTables, ModeIPTables} {
		for _, n := range []int{1000, 10000} {
			if mode == ModeIPTables && n > 1000 && os.Getenv("NAUTA_BENCH_IPTABLES_10K") == "" {
				// About a minute per iteration with iptables-nft; opt in.
				continue
			}
			r := benchNetns(b, fmt.Sprintf("%s-%d", mode[:3], n))
			be := newBackend(mode, r, params)
			for i := range n {
				be.update(fmt.Sprintf("bench/svc-%d", i), benchPorts(i, 0))
			}
			b.Run(fmt.Sprintf("%s/services=%d/cold", mode, n), func(b *testing.B) {
				var cpu time.Duration
				for range b.N {
					b.StopTimer()
					if err := cleanup(ctx, r, quietLogger()); err != nil {
						b.Fatal(err)
					}
					fresh := newBackend(mode, r, params)
					for i := range n {
						fresh.update(fmt.Sprintf("bench/svc-%d", i), benchPorts(i, 0))
					}
					before := r.cpu.Load()
					b.StartTimer()
					if err := fresh.sync(ctx, true); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					cpu += time.Duration(r.cpu.Load() - before)
					b.StartTimer()
				}
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "tool-cpu-ms/op")
			})
			if err := be.sync(ctx, true); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/services=%d/full", mode, n), func(b *testing.B) {
				measure(b, r, func(int) {
					if err := be.sync(ctx, true); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run(fmt.Sprintf("%s/services=%d/one-change", mode, n), func(b *testing.B) {
				measure(b, r, func(i int) {
					be.update("bench/svc-7", benchPorts(7, i+1))
					if err := be.sync(ctx, false); err != nil {
						b.Fatal(err)
					}
				})
				if n := fallbacks(be); n != 0 {
					b.Fatalf("%d incremental syncs fell back to full ones", n)
				}
			})
		}
	}
}
