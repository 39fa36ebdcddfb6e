package kubelet

import (
	"context"
	"fmt"
	"os"
	"runtime"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// runSandbox creates the pod's directories and starts its sandbox.
func (k *Kubelet) runSandbox(ctx context.Context, pod *v1.Pod, attempt uint32) (string, error) {
	for _, d := range []string{k.podDir(pod.UID), k.podLogDir(pod.Namespace, pod.Name, pod.UID)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if _, err := sandboxHostname(pod, k.cfg.ClusterDomain); err != nil {
		return "", err
	}
	if err := k.setupVolumes(ctx, pod); err != nil {
		return "", err
	}
	k.mu.Lock()
	lister := k.podLister
	k.mu.Unlock()
	if lister != nil {
		pods, _ := lister.List(labels.Everything())
		if err := updateQOSCgroups(pods, runtime.NumCPU()); err != nil {
			k.log.Warn("QoS cgroups", "err", err)
		}
	}
	if err := ensurePodCgroup(pod); err != nil {
		// The runtime still creates the parent; only pod-level limits are
		// missing.
		k.log.Warn("pod cgroup", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	k.dnsWarnings(pod)
	resp, err := k.runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: k.sandboxConfig(pod, attempt)})
	if err != nil {
		return "", fmt.Errorf("run pod sandbox: %w", err)
	}
	return resp.PodSandboxId, nil
}

// sandboxConfig is the CRI sandbox configuration of pod.
func (k *Kubelet) sandboxConfig(pod *v1.Pod, attempt uint32) *runtimeapi.PodSandboxConfig {
	sbLabels := map[string]string{}
	for key, v := range pod.Labels {
		sbLabels[key] = v
	}
	sbLabels[labelPodName] = pod.Name
	sbLabels[labelPodNamespace] = pod.Namespace
	sbLabels[labelPodUID] = string(pod.UID)
	annotations := map[string]string{}
	for key, v := range pod.Annotations {
		annotations[key] = v
	}
	// An FQDN that does not fit fails runSandbox before this is used.
	hostname, _ := sandboxHostname(pod, k.cfg.ClusterDomain)
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{
			Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt,
		},
		Hostname:     hostname,
		LogDirectory: k.podLogDir(pod.Namespace, pod.Name, pod.UID),
		DnsConfig:    k.dnsConfig(pod),
		PortMappings: portMappings(pod),
		Labels:       sbLabels,
		Annotations:  annotations,
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent:    podCgroupName(pod),
			SecurityContext: sandboxSecurityContext(pod),
			Sysctls:         sysctls(pod),
		},
	}
	return cfg
}

func portMappings(pod *v1.Pod) []*runtimeapi.PortMapping {
	var out []*runtimeapi.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := runtimeapi.Protocol_TCP
			switch p.Protocol {
			case v1.ProtocolUDP:
				proto = runtimeapi.Protocol_UDP
			case v1.ProtocolSCTP:
				proto = runtimeapi.Protocol_SCTP
			}
			out = append(out, &runtimeapi.PortMapping{
				Protocol: proto, ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIp: p.HostIP,
			})
		}
	}
	return out
}

func sysctls(pod *v1.Pod) map[string]string {
	if pod.Spec.SecurityContext == nil || len(pod.Spec.SecurityContext.Sysctls) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, s := range pod.Spec.SecurityContext.Sysctls {
		out[s.Name] = s.Value
	}
	return out
}

// namespaceOptions maps hostNetwork/hostPID/hostIPC/shareProcessNamespace.
func namespaceOptions(pod *v1.Pod) *runtimeapi.NamespaceOption {
	ns := &runtimeapi.NamespaceOption{
		Network: runtimeapi.NamespaceMode_POD,
		Pid:     runtimeapi.NamespaceMode_CONTAINER,
		Ipc:     runtimeapi.NamespaceMode_POD,
	}
	if pod.Spec.HostNetwork {
		ns.Network = runtimeapi.NamespaceMode_NODE
	}
	if pod.Spec.HostIPC {
		ns.Ipc = runtimeapi.NamespaceMode_NODE
	}
	switch {
	case pod.Spec.HostPID:
		ns.Pid = runtimeapi.NamespaceMode_NODE
	case pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace:
		ns.Pid = runtimeapi.NamespaceMode_POD
	}
	return ns
}

func sandboxSecurityContext(pod *v1.Pod) *runtimeapi.LinuxSandboxSecurityContext {
	sc := &runtimeapi.LinuxSandboxSecurityContext{NamespaceOptions: namespaceOptions(pod)}
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
	for _, c := range append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
			sc.Privileged = true
		}
	}
	return sc
}

// sandboxIPs are the pod's IPs: the node's for hostNetwork pods, else the
// sandbox network's.
func sandboxIPs(pod *v1.Pod, st *runtimeapi.PodSandboxStatus, nodeIP string) []string {
	if pod.Spec.HostNetwork {
		return []string{nodeIP}
	}
	net := st.GetNetwork()
	if net == nil || net.Ip == "" {
		return nil
	}
	ips := []string{net.Ip}
	for _, a := range net.AdditionalIps {
		ips = append(ips, a.Ip)
	}
	return ips
}
