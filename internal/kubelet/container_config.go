package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CPU share and quota constants, as the Linux CFS scheduler uses them.
const (
	minShares     = 2
	sharesPerCPU  = 1024
	quotaPeriodUs = 100000
	minQuotaUs    = 1000
)

// containerConfig builds the CRI configuration of container c of pod.
func (k *Kubelet) containerConfig(ctx context.Context, pod *v1.Pod, c *v1.Container, imageRef string,
	attempt int, podIPs []string) (*runtimeapi.ContainerConfig, error) {
	env, err := k.containerEnv(ctx, pod, c, podIPs)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	envs := make([]*runtimeapi.KeyValue, 0, len(env))
	for _, e := range env {
		vars[e.Name] = e.Value
		envs = append(envs, &runtimeapi.KeyValue{Key: e.Name, Value: []byte(e.Value)})
	}
	mounts, err := k.containerMounts(pod, c)
	if err != nil {
		return nil, err
	}
	msgFile, err := k.terminationMessageFile(pod, c, attempt)
	if err != nil {
		return nil, err
	}
	msgPath := c.TerminationMessagePath
	if msgPath == "" {
		msgPath = v1.TerminationMessagePathDefault
	}
	mounts = append(mounts, &runtimeapi.Mount{ContainerPath: msgPath, HostPath: msgFile})
	hosts, err := k.hostsMount(pod, c, podIPs)
	if err != nil {
		return nil, err
	}
	if hosts != nil {
		mounts = append(mounts, hosts)
	}

	grace := int64(v1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	cfg := &runtimeapi.ContainerConfig{
		Metadata:   &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: uint32(attempt)},
		Image:      &runtimeapi.ImageSpec{Image: imageRef, UserSpecifiedImage: c.Image},
		Command:    expandAll(c.Command, vars),
		Args:       expandAll(c.Args, vars),
		WorkingDir: c.WorkingDir,
		Envs:       envs,
		Mounts:     mounts,
		LogPath:    filepath.Join(c.Name, strconv.Itoa(attempt)+".log"),
		Stdin:      c.Stdin,
		StdinOnce:  c.StdinOnce,
		Tty:        c.TTY,
		Labels: map[string]string{
			labelPodName:       pod.Name,
			labelPodNamespace:  pod.Namespace,
			labelPodUID:        string(pod.UID),
			labelContainerName: c.Name,
		},
		Annotations: map[string]string{
			annotationRestartCount:      strconv.Itoa(attempt),
			annotationTermMessagePath:   msgPath,
			annotationTermMessagePolicy: string(c.TerminationMessagePolicy),
			annotationGracePeriod:       strconv.FormatInt(grace, 10),
			annotationTermMessageFile:   msgFile,
		},
		Linux: &runtimeapi.LinuxContainerConfig{
			Resources:       k.linuxResources(pod, c),
			SecurityContext: containerSecurityContext(pod, c),
		},
	}
	return cfg, nil
}

// terminationMessageFile creates the host file mounted at the container's
// terminationMessagePath.
func (k *Kubelet) terminationMessageFile(pod *v1.Pod, c *v1.Container, attempt int) (string, error) {
	dir := filepath.Join(k.podDir(pod.UID), "containers", c.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "termination-log-"+strconv.Itoa(attempt))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o666)
	if err != nil {
		return "", fmt.Errorf("termination message file: %w", err)
	}
	_ = f.Close()
	// World-writable so containers running as any user can write it.
	return path, os.Chmod(path, 0o666)
}

// linuxResources maps requests and limits to CFS shares/quota and a memory
// limit.
func (k *Kubelet) linuxResources(pod *v1.Pod, c *v1.Container) *runtimeapi.LinuxContainerResources {
	r := &runtimeapi.LinuxContainerResources{CpuPeriod: quotaPeriodUs}
	cpuReq := c.Resources.Requests.Cpu().MilliValue()
	if cpuReq == 0 && !c.Resources.Limits.Cpu().IsZero() {
		cpuReq = c.Resources.Limits.Cpu().MilliValue()
	}
	r.CpuShares = max(cpuReq*sharesPerCPU/1000, minShares)
	if lim := c.Resources.Limits.Cpu().MilliValue(); lim > 0 {
		r.CpuQuota = max(lim*quotaPeriodUs/1000, minQuotaUs)
	}
	if lim := c.Resources.Limits.Memory().Value(); lim > 0 {
		r.MemoryLimitInBytes = lim
	}
	r.OomScoreAdj = oomScoreAdj(pod, c)
	return r
}

// oomScoreAdj follows upstream's policy: Guaranteed pods are killed last,
// BestEffort first, Burstable by their share of the node's memory.
func oomScoreAdj(pod *v1.Pod, c *v1.Container) int64 {
	switch qosClass(pod) {
	case v1.PodQOSGuaranteed:
		return -997
	case v1.PodQOSBestEffort:
		return 1000
	}
	capacity, err := memTotal()
	if err != nil || capacity == 0 {
		return 999
	}
	adj := 1000 - (1000*c.Resources.Requests.Memory().Value())/capacity
	return min(max(adj, 3), 999)
}

func containerSecurityContext(pod *v1.Pod, c *v1.Container) *runtimeapi.LinuxContainerSecurityContext {
	sc := &runtimeapi.LinuxContainerSecurityContext{NamespaceOptions: namespaceOptions(pod)}
	if psc := pod.Spec.SecurityContext; psc != nil {
		if psc.RunAsUser != nil {
			sc.RunAsUser = &runtimeapi.Int64Value{Value: *psc.RunAsUser}
		}
		if psc.RunAsGroup != nil {
			sc.RunAsGroup = &runtimeapi.Int64Value{Value: *psc.RunAsGroup}
		}
		sc.SupplementalGroups = psc.SupplementalGroups
		if psc.FSGroup != nil {
			sc.SupplementalGroups = append(sc.SupplementalGroups, *psc.FSGroup)
		}
	}
	csc := c.SecurityContext
	if csc == nil {
		return sc
	}
	if csc.RunAsUser != nil {
		sc.RunAsUser = &runtimeapi.Int64Value{Value: *csc.RunAsUser}
	}
	if csc.RunAsGroup != nil {
		sc.RunAsGroup = &runtimeapi.Int64Value{Value: *csc.RunAsGroup}
	}
	if csc.Privileged != nil {
		sc.Privileged = *csc.Privileged
	}
	if csc.ReadOnlyRootFilesystem != nil {
		sc.ReadonlyRootfs = *csc.ReadOnlyRootFilesystem
	}
	if csc.AllowPrivilegeEscalation != nil {
		sc.NoNewPrivs = !*csc.AllowPrivilegeEscalation
	}
	if caps := csc.Capabilities; caps != nil {
		sc.Capabilities = &runtimeapi.Capability{}
		for _, a := range caps.Add {
			sc.Capabilities.AddCapabilities = append(sc.Capabilities.AddCapabilities, capName(a))
		}
		for _, d := range caps.Drop {
			sc.Capabilities.DropCapabilities = append(sc.Capabilities.DropCapabilities, capName(d))
		}
	}
	return sc
}

// capName adds the CAP_ prefix the runtime expects ("ALL" stays as is).
func capName(c v1.Capability) string {
	s := string(c)
	if s == "ALL" || len(s) > 4 && s[:4] == "CAP_" {
		return s
	}
	return "CAP_" + s
}
