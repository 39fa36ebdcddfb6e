package kubelet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// etcHostsPath is where every container sees the kubelet's hosts file.
const etcHostsPath = "/etc/hosts"

// Headers of the kubelet-managed hosts file, as upstream writes them.
const (
	managedHostsHeader            = "# Kubernetes-managed hosts file.\n"
	managedHostsHeaderHostNetwork = "# Kubernetes-managed hosts file (host network).\n"
)

// managedHosts is the /etc/hosts of a pod with its own network namespace:
// localhost lines, the pod's IPs naming its host name (and FQDN with a
// subdomain), then the pod's hostAliases.
func managedHosts(podIPs []string, hostname, domain string, aliases []v1.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString(managedHostsHeader)
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("fe00::0\tip6-mcastprefix\n")
	b.WriteString("fe00::1\tip6-allnodes\n")
	b.WriteString("fe00::2\tip6-allrouters\n")
	for _, ip := range podIPs {
		if domain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s\t%s\n", ip, hostname, domain, hostname)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", ip, hostname)
		}
	}
	b.Write(hostAliasEntries(aliases))
	return b.Bytes()
}

// hostNetworkHosts is the /etc/hosts of a host-network pod: the node's own
// file plus the pod's hostAliases.
func hostNetworkHosts(nodeHosts []byte, aliases []v1.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString(managedHostsHeaderHostNetwork)
	b.Write(nodeHosts)
	b.Write(hostAliasEntries(aliases))
	return b.Bytes()
}

func hostAliasEntries(aliases []v1.HostAlias) []byte {
	if len(aliases) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("\n# Entries added by HostAliases.\n")
	for _, a := range aliases {
		fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
	}
	return b.Bytes()
}

// hostsMount writes the pod's hosts file and returns its mount, or nil when
// the container mounts something at /etc/hosts itself or the pod has no IP
// yet. The file is rewritten in place (a bind mount follows the inode, not
// the name) when a new sandbox brought a new IP.
func (k *Kubelet) hostsMount(pod *v1.Pod, c *v1.Container, podIPs []string) (*runtimeapi.Mount, error) {
	for _, m := range c.VolumeMounts {
		if filepath.Clean(m.MountPath) == etcHostsPath {
			return nil, nil
		}
	}
	if len(podIPs) == 0 {
		return nil, nil
	}
	var content []byte
	if pod.Spec.HostNetwork {
		nodeHosts, err := os.ReadFile(k.cfg.HostsFile)
		if err != nil {
			return nil, fmt.Errorf("hosts file: %w", err)
		}
		content = hostNetworkHosts(nodeHosts, pod.Spec.HostAliases)
	} else {
		hostname, domain := podHostnameAndDomain(pod, k.cfg.ClusterDomain)
		content = managedHosts(podIPs, hostname, domain, pod.Spec.HostAliases)
	}
	path := filepath.Join(k.podDir(pod.UID), "etc-hosts")
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, content) {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return nil, fmt.Errorf("hosts file: %w", err)
		}
	}
	return &runtimeapi.Mount{ContainerPath: etcHostsPath, HostPath: path}, nil
}
