package kubelet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// cgroupRoot is where the cgroupfs hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// podCgroupName places the pod under the cgroupfs "kubepods" hierarchy by
// QoS class, as upstream's cgroupfs driver names it: Guaranteed pods sit
// directly under kubepods, the others under kubepods/burstable or
// kubepods/besteffort.
func podCgroupName(pod *v1.Pod) string {
	switch qosClass(pod) {
	case v1.PodQOSGuaranteed:
		return "/kubepods/pod" + string(pod.UID)
	case v1.PodQOSBurstable:
		return "/kubepods/burstable/pod" + string(pod.UID)
	default:
		return "/kubepods/besteffort/pod" + string(pod.UID)
	}
}

// podCgroupConfig is what the pod-level cgroup limits: a pod's processes
// together, whatever each container is allowed.
type podCgroupConfig struct {
	cpuShares int64
	// cpuQuota (µs per quotaPeriodUs) and memoryLimit (bytes) are 0 when
	// unlimited.
	cpuQuota    int64
	memoryLimit int64
}

// podCgroupResources computes the pod cgroup's settings as upstream's pod
// container manager does: shares from the summed cpu requests (2 for
// BestEffort); a cpu quota and a memory limit only when every container
// declares that limit. Init containers run one at a time, so they count by
// their largest value when it exceeds the app containers' sum (sidecars add
// up with the app containers).
func podCgroupResources(pod *v1.Pod) podCgroupConfig {
	qos := qosClass(pod)
	if qos == v1.PodQOSBestEffort {
		return podCgroupConfig{cpuShares: minShares}
	}
	type sums struct {
		cpuReq, cpuLim, memLim int64
		cpuLimAll, memLimAll   bool
	}
	s := sums{cpuLimAll: true, memLimAll: true}
	var initCPUReq, initCPULim, initMemLim int64
	count := func(c *v1.Container, into *int64, intoLim *int64, intoMem *int64) {
		*into += c.Resources.Requests.Cpu().MilliValue()
		if c.Resources.Requests.Cpu().IsZero() {
			// An unset request defaults to the limit.
			*into += c.Resources.Limits.Cpu().MilliValue()
		}
		if lim := c.Resources.Limits.Cpu().MilliValue(); lim > 0 {
			*intoLim += lim
		} else {
			s.cpuLimAll = false
		}
		if lim := c.Resources.Limits.Memory().Value(); lim > 0 {
			*intoMem += lim
		} else {
			s.memLimAll = false
		}
	}
	for i := range pod.Spec.Containers {
		count(&pod.Spec.Containers[i], &s.cpuReq, &s.cpuLim, &s.memLim)
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(c) {
			count(c, &s.cpuReq, &s.cpuLim, &s.memLim)
			continue
		}
		var req, lim, mem int64
		count(c, &req, &lim, &mem)
		initCPUReq, initCPULim, initMemLim = max(initCPUReq, req), max(initCPULim, lim), max(initMemLim, mem)
	}
	cfg := podCgroupConfig{cpuShares: max(max(s.cpuReq, initCPUReq)*sharesPerCPU/1000, minShares)}
	if s.cpuLimAll {
		cfg.cpuQuota = max(max(s.cpuLim, initCPULim)*quotaPeriodUs/1000, minQuotaUs)
	}
	if s.memLimAll {
		cfg.memoryLimit = max(s.memLim, initMemLim)
	}
	return cfg
}

// ensurePodCgroup creates the pod's cgroup in the cpu and memory
// hierarchies (cgroup v1, cgroupfs) and writes its limits, before the
// sandbox starts under it. On a pure cgroup v2 host it does nothing: the
// runtime creates the parent without pod-level limits.
func ensurePodCgroup(pod *v1.Pod) error {
	if _, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		return nil // cgroup v2 only: not handled yet
	}
	name := podCgroupName(pod)
	cfg := podCgroupResources(pod)
	var errs []error
	write := func(hierarchy, file, value string) {
		dir := filepath.Join(cgroupRoot, hierarchy, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			errs = append(errs, err)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", dir, file, err))
		}
	}
	write("cpu", "cpu.shares", strconv.FormatInt(cfg.cpuShares, 10))
	write("cpu", "cpu.cfs_period_us", strconv.Itoa(quotaPeriodUs))
	quota := int64(-1)
	if cfg.cpuQuota > 0 {
		quota = cfg.cpuQuota
	}
	write("cpu", "cpu.cfs_quota_us", strconv.FormatInt(quota, 10))
	mem := "-1"
	if cfg.memoryLimit > 0 {
		mem = strconv.FormatInt(cfg.memoryLimit, 10)
	}
	write("memory", "memory.limit_in_bytes", mem)
	return errors.Join(errs...)
}

// removePodCgroups removes the pod's (by then empty) cgroup directories,
// those it made and those runc created under them, in every mounted
// hierarchy.
func removePodCgroups(uid types.UID) {
	hierarchies, _ := filepath.Glob(filepath.Join(cgroupRoot, "*"))
	hierarchies = append(hierarchies, cgroupRoot)
	for _, h := range hierarchies {
		for _, qos := range []string{"", "burstable", "besteffort"} {
			dir := filepath.Join(h, "kubepods", qos, "pod"+string(uid))
			// Children first; rmdir only succeeds on an empty cgroup,
			// which is what we want.
			children, _ := os.ReadDir(dir)
			for _, c := range children {
				if c.IsDir() {
					_ = os.Remove(filepath.Join(dir, c.Name()))
				}
			}
			_ = os.Remove(dir)
		}
	}
}

// qosCgroupShares is the cpu.shares of the QoS tiers as upstream's QoS
// container manager sets them: kubepods weighs the node's cpus,
// besteffort the minimum, burstable the sum of its pods' shares.
func qosCgroupShares(pods []*v1.Pod, cpus int) map[string]int64 {
	burstable := int64(0)
	for _, p := range pods {
		if isTerminal(p.Status.Phase) || qosClass(p) != v1.PodQOSBurstable {
			continue
		}
		burstable += podCgroupResources(p).cpuShares
	}
	return map[string]int64{
		"/kubepods":            max(int64(cpus)*sharesPerCPU, minShares),
		"/kubepods/besteffort": minShares,
		"/kubepods/burstable":  max(burstable, minShares),
	}
}

// updateQOSCgroups writes the QoS tiers' cpu.shares (cgroup v1).
func updateQOSCgroups(pods []*v1.Pod, cpus int) error {
	if _, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		return nil // cgroup v2 only: not handled yet
	}
	var errs []error
	for name, shares := range qosCgroupShares(pods, cpus) {
		dir := filepath.Join(cgroupRoot, "cpu", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, "cpu.shares"), []byte(strconv.FormatInt(shares, 10)), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("%s/cpu.shares: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}
