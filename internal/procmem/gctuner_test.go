package procmem

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCTunerStep(t *testing.T) {
	tuner := &GCTuner{
		RestPercent: 50, BusyPercent: 200, GarbageBudget: 800 << 20,
		EnterShare: 0.10, ExitShare: 0.03, QuietTicks: 3,
	}
	rest := gcTunerState{percent: 50}
	busy := gcTunerState{busy: true, percent: 200}
	tests := []struct {
		name        string
		state       gcTunerState
		share       float64
		live        uint64
		want        gcTunerState
		wantRelease bool
	}{
		{name: "quiet stays at rest", state: rest, share: 0.02, live: 100 << 20, want: rest},
		{name: "between the thresholds stays at rest", state: rest, share: 0.08, live: 100 << 20, want: rest},
		{name: "churn raises to the busy percent", state: rest, share: 0.3, live: 100 << 20, want: busy},
		{name: "a large live heap is held to the garbage budget", state: rest, share: 0.3, live: 1000 << 20,
			want: gcTunerState{busy: true, percent: 80}},
		{name: "a heap past the budget keeps the rest percent", state: rest, share: 0.3, live: 4000 << 20,
			want: gcTunerState{busy: true, percent: 50}},
		{name: "the budget follows the live heap while busy", state: busy, share: 0.2, live: 800 << 20,
			want: gcTunerState{busy: true, percent: 100}},
		{name: "one quiet sample is not enough", state: busy, share: 0.01, live: 100 << 20,
			want: gcTunerState{busy: true, quiet: 1, percent: 200}},
		{name: "load again resets the quiet count", state: gcTunerState{busy: true, quiet: 2, percent: 200}, share: 0.05, live: 100 << 20,
			want: busy},
		{name: "quiet long enough falls back and releases", state: gcTunerState{busy: true, quiet: 2, percent: 200}, share: 0.01, live: 100 << 20,
			want: rest, wantRelease: true},
		{name: "falling back from the rest percent releases nothing", state: gcTunerState{busy: true, quiet: 2, percent: 50}, share: 0.01, live: 4000 << 20,
			want: rest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, release := tuner.step(tt.state, tt.share, tt.live)
			if got != tt.want || release != tt.wantRelease {
				t.Errorf("step = %+v, release %v; want %+v, release %v", got, release, tt.want, tt.wantRelease)
			}
		})
	}
}

// TestGCTunerRaisesUnderChurn runs the tuner against this test's own heap:
// allocating hard raises the target, stopping brings it back.
func TestGCTunerRaisesUnderChurn(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	tuner := &GCTuner{
		RestPercent: 50, BusyPercent: 300, GarbageBudget: 1 << 30,
		EnterShare: 0.01, ExitShare: 0.005, QuietTicks: 2,
		Interval: 50 * time.Millisecond,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tuner.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// Live data for the collector to mark, and garbage to make it run.
	live := make([][]byte, 0, 4096)
	for range 4096 {
		live = append(live, make([]byte, 1024))
	}
	current := tuner.Percent
	deadline := time.Now().Add(20 * time.Second)
	var sink []*[64]byte
	for current() != 300 {
		if time.Now().After(deadline) {
			t.Fatalf("GC target still %d after 20 s of churn", current())
		}
		for range 10000 {
			sink = append(sink, new([64]byte))
			if len(sink) > 1000 {
				sink = sink[:0]
			}
		}
		runtime.Gosched()
	}
	runtime.KeepAlive(live)
	deadline = time.Now().Add(20 * time.Second)
	for current() != 50 {
		if time.Now().After(deadline) {
			t.Fatalf("GC target still %d 20 s after the churn stopped", current())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	paths := []struct {
		name, procSelfCgroup, want string
		ok                         bool
	}{
		{"host service", "0::/system.slice/nauta.service\n", "/sys/fs/cgroup/system.slice/nauta.service/memory.max", true},
		{"container namespace", "0::/\n", "/sys/fs/cgroup/memory.max", true},
		{"cgroup v1", "12:memory:/user.slice\n1:name=systemd:/user.slice\n", "/sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes", true},
		{"hybrid: the v1 memory controller wins", "4:memory:/pod/x\n1:cpu,cpuacct:/\n0::/\n", "/sys/fs/cgroup/memory/pod/x/memory.limit_in_bytes", true},
		{"no cgroups", "", "", false},
	}
	for _, tt := range paths {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cgroupMemoryLimitFile(tt.procSelfCgroup)
			if got != tt.want || ok != tt.ok {
				t.Errorf("cgroupMemoryLimitFile = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	limits := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1073741824\n", 1 << 30, true},
		{"max\n", 0, false},
		{"", 0, false},
	}
	for _, tt := range limits {
		got, ok := parseCgroupLimit(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseCgroupLimit(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if limit := memoryLimit(); limit == 0 {
		t.Error("memoryLimit found no memory on this machine")
	}
}
