package kubelet

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// runSandbox creates the pod's directories and starts its sandbox.
func (k *Kubelet) runSandbox(ctx context.Context, pod *v1.Pod, attempt uint32) (string, error) {
	for _, d := range []string{k.podDir(pod.UID), k.podLogDir(pod.Namespace, pod.Name, pod.UID)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := k.setupVolumes(ctx, pod); err != nil {
		return "", err
	}
	resp, err := k.runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: k.sandboxConfig(pod, attempt)})
	if err != nil {
		return "", fmt.Errorf("run pod sandbox: %w", err)
	}
	return resp.PodSandboxId, nil
}

// sandboxConfig is the CRI sandbox configuration of pod.
func (k *Kubelet) sandboxConfig(pod *v1.Pod, attempt uint32) *runtimeapi.PodSandboxConfig {
	labels := map[string]string{}
	for key, v := range pod.Labels {
		labels[key] = v
	}
	labels[labelPodName] = pod.Name
	labels[labelPodNamespace] = pod.Namespace
	labels[labelPodUID] = string(pod.UID)
	annotations := map[string]string{}
	for key, v := range pod.Annotations {
		annotations[key] = v
	}
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{
			Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt,
		},
		Hostname:     podHostname(pod),
		LogDirectory: k.podLogDir(pod.Namespace, pod.Name, pod.UID),
		DnsConfig:    k.dnsConfig(pod),
		PortMappings: portMappings(pod),
		Labels:       labels,
		Annotations:  annotations,
		Linux: &runtimeapi.LinuxPodSandboxConfig{
			CgroupParent:    cgroupParent(pod),
			SecurityContext: sandboxSecurityContext(pod),
			Sysctls:         sysctls(pod),
		},
	}
	if pod.Spec.HostNetwork {
		// The node's UTS namespace: its host name is already the pod's,
		// and runc refuses to set one there.
		cfg.Hostname = ""
	}
	return cfg
}

// podHostname is spec.hostname or the pod name, cut to a DNS label.
func podHostname(pod *v1.Pod) string {
	h := pod.Name
	if pod.Spec.Hostname != "" {
		h = pod.Spec.Hostname
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// cgroupParent places the pod under the cgroupfs "kubepods" hierarchy by QoS
// class, as upstream's cgroupfs driver names it.
func cgroupParent(pod *v1.Pod) string {
	switch qosClass(pod) {
	case v1.PodQOSGuaranteed:
		return "/kubepods/pod" + string(pod.UID)
	case v1.PodQOSBurstable:
		return "/kubepods/burstable/pod" + string(pod.UID)
	default:
		return "/kubepods/besteffort/pod" + string(pod.UID)
	}
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

// dnsConfig follows dnsPolicy: ClusterFirst uses ClusterDNS and the cluster
// search path (falling back to the host's resolver when no cluster DNS is
// configured), Default uses the host's /etc/resolv.conf, None only
// spec.dnsConfig; spec.dnsConfig is merged in every case.
func (k *Kubelet) dnsConfig(pod *v1.Pod) *runtimeapi.DNSConfig {
	policy := pod.Spec.DNSPolicy
	if policy == "" {
		policy = v1.DNSClusterFirst
	}
	if policy == v1.DNSClusterFirst && pod.Spec.HostNetwork {
		policy = v1.DNSDefault
	}
	if policy == v1.DNSClusterFirstWithHostNet {
		policy = v1.DNSClusterFirst
	}
	if policy == v1.DNSClusterFirst && len(k.cfg.ClusterDNS) == 0 {
		policy = v1.DNSDefault
	}
	cfg := &runtimeapi.DNSConfig{}
	switch policy {
	case v1.DNSClusterFirst:
		d := k.cfg.ClusterDomain
		cfg.Servers = append([]string{}, k.cfg.ClusterDNS...)
		cfg.Searches = []string{pod.Namespace + ".svc." + d, "svc." + d, d}
		cfg.Options = []string{"ndots:5"}
		_, hostSearches, _ := hostResolvConf()
		cfg.Searches = append(cfg.Searches, hostSearches...)
	case v1.DNSDefault:
		cfg.Servers, cfg.Searches, cfg.Options = hostResolvConf()
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		cfg.Servers = appendUnique(cfg.Servers, dc.Nameservers...)
		cfg.Searches = appendUnique(cfg.Searches, dc.Searches...)
		for _, o := range dc.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			cfg.Options = appendUnique(cfg.Options, opt)
		}
	}
	if len(cfg.Searches) > 32 {
		cfg.Searches = cfg.Searches[:32]
	}
	return cfg
}

func appendUnique(list []string, more ...string) []string {
	for _, m := range more {
		found := false
		for _, l := range list {
			if l == m {
				found = true
			}
		}
		if !found {
			list = append(list, m)
		}
	}
	return list
}

// hostResolvConf parses /etc/resolv.conf. Loopback nameservers (a local
// stub resolver) are dropped: they do not answer inside a pod.
func hostResolvConf() (servers, searches, options []string) {
	f, err := os.Open(filepath.Clean("/etc/resolv.conf"))
	if err != nil {
		return nil, nil, nil
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if !strings.HasPrefix(fields[1], "127.") && fields[1] != "::1" {
				servers = append(servers, fields[1])
			}
		case "search":
			searches = fields[1:]
		case "options":
			options = append(options, fields[1:]...)
		}
	}
	return servers, searches, options
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
