package procmem

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// GCTuner moves the garbage collector's target with the load.
//
// A quiet server runs at RestPercent: lean, see ServerGCPercent. While the
// heap churns (thousands of pods created, bound and started) the collector
// runs many times a second and marks the same long-lived data each time;
// its cost is proportional to how often it runs, not to how much garbage
// there is. So when collection takes more than EnterShare of the machine's
// CPU the target rises, letting up to GarbageBudget bytes of garbage (and
// at most BusyPercent of the live heap) pile up between collections. Once
// the collector's share stays under ExitShare for QuietTicks samples in a
// row, the target falls back and the extra memory goes back to the
// operating system at once.
//
// The GOGC environment variable turns the tuner off (see RunGCTuner);
// GOMEMLIMIT still caps the heap while the target is raised.
type GCTuner struct {
	RestPercent, BusyPercent int
	GarbageBudget            uint64
	EnterShare, ExitShare    float64
	QuietTicks               int
	Interval                 time.Duration
	Log                      *slog.Logger

	percent atomic.Int64 // the target Run last set
}

// Percent is the GC target Run last set (0 before it starts).
func (t *GCTuner) Percent() int { return int(t.percent.Load()) }

func (t *GCTuner) setPercent(p int) {
	debug.SetGCPercent(p)
	t.percent.Store(int64(p))
}

// DefaultGCTuner is what `nauta server` runs with: 50 when quiet, up to 200
// under load with at most 768 MiB (or an eighth of the memory the process
// may use) of garbage between collections. Busy means the collector takes
// a tenth of all CPU; quiet, under 3% for 5 s.
func DefaultGCTuner(log *slog.Logger) *GCTuner {
	budget := uint64(768 << 20)
	if limit := memoryLimit(); limit > 0 {
		budget = min(budget, limit/8)
	}
	return &GCTuner{
		RestPercent:   ServerGCPercent,
		BusyPercent:   200,
		GarbageBudget: budget,
		EnterShare:    0.10,
		ExitShare:     0.03,
		QuietTicks:    5,
		Interval:      time.Second,
		Log:           log,
	}
}

// RunGCTuner runs t until ctx ends, unless GOGC is set in the environment:
// then the user's target stays as it is.
func RunGCTuner(ctx context.Context, t *GCTuner) {
	if SetDefaultGCPercent(t.Log, t.RestPercent) {
		go t.Run(ctx)
	}
}

// gcTunerState is what the tuner carries from one sample to the next.
type gcTunerState struct {
	busy    bool
	quiet   int // samples in a row under ExitShare while busy
	percent int
}

// step decides on one sample: share is the collector's part of all CPU
// time over the interval, live the live heap after the last collection.
// release says the target just fell back and memory should be returned.
func (t *GCTuner) step(s gcTunerState, share float64, live uint64) (next gcTunerState, release bool) {
	next = s
	switch {
	case !s.busy && share > t.EnterShare:
		next.busy, next.quiet = true, 0
	case s.busy && share < t.ExitShare:
		next.quiet++
		if next.quiet >= t.QuietTicks {
			return gcTunerState{percent: t.RestPercent}, s.percent != t.RestPercent
		}
	case s.busy:
		next.quiet = 0
	}
	if !next.busy {
		next.percent = t.RestPercent
		return next, false
	}
	next.percent = t.BusyPercent
	if live > 0 {
		if byBudget := int(t.GarbageBudget * 100 / live); byBudget < next.percent {
			next.percent = byBudget
		}
	}
	next.percent = max(next.percent, t.RestPercent)
	return next, false
}

// Run samples the runtime every Interval and sets the target until ctx
// ends, leaving RestPercent in place.
func (t *GCTuner) Run(ctx context.Context) {
	state := gcTunerState{percent: t.RestPercent}
	t.setPercent(t.RestPercent)
	defer t.setPercent(t.RestPercent)
	prev := readGCSample()
	ticker := time.NewTicker(t.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		cur := readGCSample()
		share := 0.0
		if total := cur.totalCPU - prev.totalCPU; total > 0 {
			share = (cur.gcCPU - prev.gcCPU) / total
		}
		next, release := t.step(state, share, cur.live)
		if next.percent != state.percent {
			t.setPercent(next.percent)
			t.Log.Debug("GC target changed", "percent", next.percent, "gcCPUShare", share, "liveHeapBytes", cur.live)
		}
		if release {
			// Collects and returns the garbage the raised target let
			// grow; sampled afterwards, so that this collection is not
			// taken for load.
			debug.FreeOSMemory()
			cur = readGCSample()
		}
		state, prev = next, cur
	}
}

// gcSample holds cumulative CPU seconds (the collector's, without the
// mark work done on otherwise idle processors, and all) and the live heap.
type gcSample struct {
	gcCPU, totalCPU float64
	live            uint64
}

var gcSampleNames = []string{
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/gc/heap/live:bytes",
}

func readGCSample() gcSample {
	samples := make([]metrics.Sample, len(gcSampleNames))
	for i, name := range gcSampleNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	float := func(i int) float64 {
		if samples[i].Value.Kind() != metrics.KindFloat64 {
			return 0
		}
		return samples[i].Value.Float64()
	}
	var live uint64
	if samples[3].Value.Kind() == metrics.KindUint64 {
		live = samples[3].Value.Uint64()
	}
	return gcSample{gcCPU: float(0) - float(1), totalCPU: float(2), live: live}
}

// memoryLimit is the memory this process may use: the machine's RAM, or
// its cgroup's limit when that is lower (a container's). 0 when unknown.
func memoryLimit() uint64 {
	var limit uint64
	var info syscall.Sysinfo_t
	if err := syscall.Sysinfo(&info); err == nil {
		limit = uint64(info.Totalram) * uint64(info.Unit)
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return limit
	}
	path, ok := cgroupMemoryLimitFile(string(self))
	if !ok {
		return limit
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return limit
	}
	if v, ok := parseCgroupLimit(string(data)); ok && (limit == 0 || v < limit) {
		limit = v
	}
	return limit
}

// cgroupMemoryLimitFile is the file holding the memory limit of the cgroup
// /proc/self/cgroup names: the v1 memory controller's limit_in_bytes when
// it has one (hybrid hierarchies put the controller there), else cgroup
// v2's memory.max.
func cgroupMemoryLimitFile(procSelfCgroup string) (string, bool) {
	v2, found := "", false
	for line := range strings.Lines(procSelfCgroup) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2, found = filepath.Join("/sys/fs/cgroup", parts[2], "memory.max"), true
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			return filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"), true
		}
	}
	return v2, found
}

// parseCgroupLimit reads a memory limit: a byte count, or "max" (v2) for
// none; v1's "unlimited" is a huge count, which the machine's RAM caps.
func parseCgroupLimit(v string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	return n, err == nil && n > 0
}
