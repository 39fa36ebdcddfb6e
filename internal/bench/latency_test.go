package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var l Latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{1, 1 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := l.Percentile(tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := (Latencies{}).Percentile(50); got != 0 {
		t.Errorf("empty p50 = %v", got)
	}
}

func TestRate(t *testing.T) {
	r := Result{Ops: 500, Elapsed: 250 * time.Millisecond}
	if got := r.Rate(); got != 2000 {
		t.Fatalf("rate = %v, want 2000", got)
	}
}
