package kubeletapi

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The /stats/summary document. k8s.io/kubelet is not a dependency, so
// these carry the JSON names of its stats/v1alpha1 types that metrics
// servers and kubectl top pipelines read.
type (
	// Summary is the whole document.
	Summary struct {
		Node NodeStats  `json:"node"`
		Pods []PodStats `json:"pods"`
	}
	// NodeStats is the machine.
	NodeStats struct {
		NodeName  string        `json:"nodeName"`
		StartTime metav1.Time   `json:"startTime"`
		CPU       *CPUStats     `json:"cpu,omitempty"`
		Memory    *MemoryStats  `json:"memory,omitempty"`
		Fs        *FsStats      `json:"fs,omitempty"`
		Runtime   *RuntimeStats `json:"runtime,omitempty"`
	}
	// RuntimeStats is the container runtime's image file system.
	RuntimeStats struct {
		ImageFs *FsStats `json:"imageFs,omitempty"`
	}
	// PodStats is one pod and its containers.
	PodStats struct {
		PodRef     PodReference     `json:"podRef"`
		StartTime  metav1.Time      `json:"startTime"`
		Containers []ContainerStats `json:"containers"`
		CPU        *CPUStats        `json:"cpu,omitempty"`
		Memory     *MemoryStats     `json:"memory,omitempty"`
	}
	// PodReference names a pod.
	PodReference struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		UID       string `json:"uid"`
	}
	// ContainerStats is one container.
	ContainerStats struct {
		Name      string       `json:"name"`
		StartTime metav1.Time  `json:"startTime"`
		CPU       *CPUStats    `json:"cpu,omitempty"`
		Memory    *MemoryStats `json:"memory,omitempty"`
		Rootfs    *FsStats     `json:"rootfs,omitempty"`
	}
	// CPUStats is CPU use.
	CPUStats struct {
		Time                 metav1.Time `json:"time"`
		UsageNanoCores       *uint64     `json:"usageNanoCores,omitempty"`
		UsageCoreNanoSeconds *uint64     `json:"usageCoreNanoSeconds,omitempty"`
	}
	// MemoryStats is memory use.
	MemoryStats struct {
		Time            metav1.Time `json:"time"`
		AvailableBytes  *uint64     `json:"availableBytes,omitempty"`
		UsageBytes      *uint64     `json:"usageBytes,omitempty"`
		WorkingSetBytes *uint64     `json:"workingSetBytes,omitempty"`
		RSSBytes        *uint64     `json:"rssBytes,omitempty"`
	}
	// FsStats is file system use.
	FsStats struct {
		Time           metav1.Time `json:"time"`
		AvailableBytes *uint64     `json:"availableBytes,omitempty"`
		CapacityBytes  *uint64     `json:"capacityBytes,omitempty"`
		UsedBytes      *uint64     `json:"usedBytes,omitempty"`
		InodesFree     *uint64     `json:"inodesFree,omitempty"`
		Inodes         *uint64     `json:"inodes,omitempty"`
		InodesUsed     *uint64     `json:"inodesUsed,omitempty"`
	}
)

// cpuSample is the machine's cumulative CPU time at one moment.
type cpuSample struct {
	at    time.Time
	nanos uint64
}

func (s *Server) serveStatsSummary(w http.ResponseWriter, r *http.Request) {
	sum, err := s.summary(r.Context(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (s *Server) summary(ctx context.Context, now time.Time) (*Summary, error) {
	mt := metav1.NewTime(now)
	sum := &Summary{Node: NodeStats{NodeName: s.cfg.NodeName}, Pods: []PodStats{}}
	if boot, err := bootTime(); err == nil {
		sum.Node.StartTime = metav1.NewTime(boot)
	}
	if total, err := procCPUNanos(); err == nil {
		cpu := &CPUStats{Time: mt, UsageCoreNanoSeconds: ptr(total)}
		s.cpuMu.Lock()
		if prev := s.lastCPU; !prev.at.IsZero() && now.After(prev.at) && total >= prev.nanos {
			cores := uint64(float64(total-prev.nanos) / now.Sub(prev.at).Seconds())
			cpu.UsageNanoCores = &cores
		}
		s.lastCPU = cpuSample{at: now, nanos: total}
		s.cpuMu.Unlock()
		sum.Node.CPU = cpu
	}
	if mem, err := procMemory(mt); err == nil {
		sum.Node.Memory = mem
	}

	sbs, err := s.cfg.Runtime.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, fmt.Errorf("list pod sandboxes: %w", err)
	}
	stats, err := s.cfg.Runtime.Runtime.ListContainerStats(ctx, &runtimeapi.ListContainerStatsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list container stats: %w", err)
	}
	containers, err := s.cfg.Runtime.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	created := map[string]int64{}
	for _, c := range containers.Containers {
		created[c.Id] = c.CreatedAt
	}
	bySandbox := map[string][]*runtimeapi.ContainerStats{}
	for _, cs := range stats.Stats {
		id := cs.GetAttributes().GetId()
		for _, c := range containers.Containers {
			if c.Id == id && c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
				bySandbox[c.PodSandboxId] = append(bySandbox[c.PodSandboxId], cs)
			}
		}
	}
	for _, sb := range sbs.Items {
		if sb.State != runtimeapi.PodSandboxState_SANDBOX_READY {
			continue
		}
		md := sb.GetMetadata()
		ps := PodStats{
			PodRef:     PodReference{Name: md.GetName(), Namespace: md.GetNamespace(), UID: md.GetUid()},
			StartTime:  metav1.NewTime(time.Unix(0, sb.CreatedAt)),
			Containers: []ContainerStats{},
		}
		var podCPU, podCores, podWS, podUsage uint64
		var hasCores bool
		for _, cs := range bySandbox[sb.Id] {
			c := ContainerStats{
				Name:      cs.GetAttributes().GetMetadata().GetName(),
				StartTime: metav1.NewTime(time.Unix(0, created[cs.GetAttributes().GetId()])),
			}
			if cpu := cs.GetCpu(); cpu != nil {
				c.CPU = &CPUStats{Time: metav1.NewTime(time.Unix(0, cpu.Timestamp))}
				if v := cpu.GetUsageCoreNanoSeconds(); v != nil {
					c.CPU.UsageCoreNanoSeconds = ptr(v.Value)
					podCPU += v.Value
				}
				if v := cpu.GetUsageNanoCores(); v != nil {
					c.CPU.UsageNanoCores = ptr(v.Value)
					podCores += v.Value
					hasCores = true
				}
			}
			if m := cs.GetMemory(); m != nil {
				c.Memory = &MemoryStats{Time: metav1.NewTime(time.Unix(0, m.Timestamp))}
				if v := m.GetWorkingSetBytes(); v != nil {
					c.Memory.WorkingSetBytes = ptr(v.Value)
					podWS += v.Value
				}
				if v := m.GetUsageBytes(); v != nil {
					c.Memory.UsageBytes = ptr(v.Value)
					podUsage += v.Value
				}
				if v := m.GetRssBytes(); v != nil {
					c.Memory.RSSBytes = ptr(v.Value)
				}
			}
			if fs := cs.GetWritableLayer(); fs != nil {
				c.Rootfs = &FsStats{Time: metav1.NewTime(time.Unix(0, fs.Timestamp))}
				if v := fs.GetUsedBytes(); v != nil {
					c.Rootfs.UsedBytes = ptr(v.Value)
				}
				if v := fs.GetInodesUsed(); v != nil {
					c.Rootfs.InodesUsed = ptr(v.Value)
				}
			}
			ps.Containers = append(ps.Containers, c)
		}
		ps.CPU = &CPUStats{Time: mt, UsageCoreNanoSeconds: ptr(podCPU)}
		if hasCores {
			ps.CPU.UsageNanoCores = ptr(podCores)
		}
		ps.Memory = &MemoryStats{Time: mt, WorkingSetBytes: ptr(podWS), UsageBytes: ptr(podUsage)}
		sum.Pods = append(sum.Pods, ps)
	}
	return sum, nil
}

func ptr(v uint64) *uint64 { return &v }

// userHZ is the unit of /proc/stat times on Linux.
const userHZ = 100

// procCPUNanos is the machine's busy CPU time from /proc/stat (all but
// idle and iowait), in nanoseconds.
func procCPUNanos() (uint64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	var busy uint64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is in user already
			continue
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, err
		}
		busy += v
	}
	return busy * (1e9 / userHZ), nil
}

// procMemory reads /proc/meminfo: working set is what is not available.
func procMemory(t metav1.Time) (*MemoryStats, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vals := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		vals[strings.TrimSuffix(fields[0], ":")] = v * 1024
	}
	total, avail := vals["MemTotal"], vals["MemAvailable"]
	if total == 0 {
		return nil, fmt.Errorf("no MemTotal in /proc/meminfo")
	}
	m := &MemoryStats{Time: t, AvailableBytes: ptr(avail), UsageBytes: ptr(total - vals["MemFree"]), WorkingSetBytes: ptr(total - avail)}
	return m, nil
}

// bootTime is when the machine started, from /proc/stat's btime.
func bootTime() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, err
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("no btime in /proc/stat")
}
