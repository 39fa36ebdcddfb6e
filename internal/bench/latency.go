package bench

import (
	"fmt"
	"sort"
	"time"
)

// Latencies collects request durations and summarises them.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0 < p <= 100), or 0 when empty.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(Latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	idx := int(float64(len(s))*p/100+0.5) - 1
	if idx < 0 {
		idx = 0
	}
	if idx >= len(s) {
		idx = len(s) - 1
	}
	return s[idx]
}

// Result is one measured phase.
type Result struct {
	Name        string
	Concurrency int
	Ops         int
	Errors      int
	Elapsed     time.Duration
	P50, P99    time.Duration
}

// Rate returns completed operations per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("| %s | %d | %d | %.0f/s | %s | %s | %d |",
		r.Name, r.Concurrency, r.Ops, r.Rate(), ms(r.P50), ms(r.P99), r.Errors)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
