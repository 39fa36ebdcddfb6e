package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the CPU time (user + system) pid has used.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStatCPU(b)
}

// parseProcStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses
// and may hold spaces, so fields are counted after its closing one.
func parseProcStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat line")
	}
	fields := strings.Fields(string(stat[i+1:]))
	// fields[0] is field 3 (state): utime is field 14, stime field 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc stat line: %d fields", len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat cpu field %q: %w", f, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// loadAverage is the first field of /proc/loadavg (1-minute load), "" when
// unreadable.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// fetchCPUProfile asks the server for a CPU profile of the next d
// (its /debug/pprof/profile) and writes it to path.
func fetchCPUProfile(ctx context.Context, client kubernetes.Interface, d time.Duration, path string) error {
	secs := max(int(d.Seconds()), 1)
	body, err := client.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").
		Param("seconds", strconv.Itoa(secs)).Timeout(d + time.Minute).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	return nil
}

// settleWindow is how long each CPU reading of waitSettled lasts, and
// settledDelta how close two consecutive readings must be (in cores).
const (
	settleWindow = 5 * time.Second
	settledDelta = 0.1
)

// waitSettled waits until two consecutive settleWindow readings of the
// process's CPU use differ by less than settledDelta cores, or until max
// passed. It returns how long it waited.
func waitSettled(ctx context.Context, pid int, max time.Duration) (time.Duration, error) {
	start := time.Now()
	prev := -1.0
	for time.Since(start) < max {
		c0, err := procCPU(pid)
		if err != nil {
			return 0, fmt.Errorf("server CPU: %w", err)
		}
		t0 := time.Now()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(settleWindow):
		}
		c1, err := procCPU(pid)
		if err != nil {
			return 0, fmt.Errorf("server CPU: %w", err)
		}
		cores := (c1 - c0).Seconds() / time.Since(t0).Seconds()
		if prev >= 0 && math.Abs(cores-prev) < settledDelta {
			break
		}
		prev = cores
	}
	return time.Since(start), nil
}
