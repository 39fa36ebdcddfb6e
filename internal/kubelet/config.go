package kubelet

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
)

// Defaults for the Config fields left empty.
const (
	DefaultDataDir       = "/var/lib/nauta/kubelet"
	DefaultCNIBinDir     = "/usr/lib/cni"
	DefaultCNIConfDir    = "/etc/cni/net.d"
	DefaultClusterDomain = "cluster.local"
	DefaultMaxPods       = 110
	DefaultCNIBridge     = "nauta0"
	DefaultResolvConf    = "/etc/resolv.conf"
	DefaultHostsFile     = "/etc/hosts"
)

// Config is what the agent wiring hands the kubelet.
type Config struct {
	// RESTConfig reaches the API server (the node's credentials).
	RESTConfig *rest.Config
	// NodeName is the Node object's name (default: the lower-cased host name).
	NodeName string
	// NodeIP is the node's InternalIP and every pod's hostIP (default: the
	// address of the interface holding the default route).
	NodeIP string
	// DataDir holds pod directories, logs and termination message files.
	DataDir string
	// RuntimeEndpoint is the CRI socket (unix path or unix:// URL).
	RuntimeEndpoint string
	// PodCIDR is used when the Node has no spec.podCIDR.
	PodCIDR string
	// CNIBinDir holds the CNI plugins; CNIConfDir is where the runtime reads
	// the network configuration the kubelet writes.
	CNIBinDir  string
	CNIConfDir string
	// CNIBridge is the pod network's Linux bridge (default nauta0; at
	// most 15 characters). Two kubelets on one host need two bridges.
	CNIBridge string
	// ClusterDNS are the nameservers of ClusterFirst pods; ClusterDomain is
	// their search suffix.
	ClusterDNS    []string
	ClusterDomain string
	// ResolvConf is the node's resolver configuration, the base of
	// dnsPolicy Default pods (upstream's --resolv-conf; default
	// /etc/resolv.conf). HostsFile is the node's hosts file, the base of
	// host-network pods' /etc/hosts (default /etc/hosts).
	ResolvConf string
	HostsFile  string
	// MaxPods is the node's pods capacity.
	MaxPods int
	// NodeLabels are extra labels set at registration (e.g.
	// node-role.kubernetes.io/control-plane).
	NodeLabels map[string]string
	// ServerAddress and ServerPort are where the kubelet API (logs, exec,
	// attach, port forwarding) listens (default NodeIP and 10250; a
	// negative port disables it). TLSCertFile/TLSKeyFile are its serving
	// certificate (self-signed at start when empty). ClientCAFile is
	// required while the API is enabled: every client must present a
	// certificate signed by it.
	ServerAddress string
	ServerPort    int
	TLSCertFile   string
	TLSKeyFile    string
	ClientCAFile  string
	// Registerer receives the kubelet's metrics (none when nil).
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

func (c *Config) complete() error {
	if c.RESTConfig == nil {
		return errors.New("kubelet: RESTConfig is required")
	}
	if c.RuntimeEndpoint == "" {
		return errors.New("kubelet: RuntimeEndpoint is required")
	}
	if c.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("kubelet: node name: %w", err)
		}
		c.NodeName = strings.ToLower(h)
	}
	if c.NodeIP == "" {
		ip, err := defaultNodeIP()
		if err != nil {
			return fmt.Errorf("kubelet: node IP: %w", err)
		}
		c.NodeIP = ip
	}
	if net.ParseIP(c.NodeIP) == nil {
		return fmt.Errorf("kubelet: NodeIP %q is not an IP address", c.NodeIP)
	}
	if c.PodCIDR != "" {
		if _, _, err := net.ParseCIDR(c.PodCIDR); err != nil {
			return fmt.Errorf("kubelet: PodCIDR: %w", err)
		}
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("kubelet: data dir: %w", err)
	}
	c.DataDir = abs
	if c.CNIBinDir == "" {
		c.CNIBinDir = DefaultCNIBinDir
	}
	if c.CNIConfDir == "" {
		c.CNIConfDir = DefaultCNIConfDir
	}
	if c.CNIBridge == "" {
		c.CNIBridge = DefaultCNIBridge
	}
	if len(c.CNIBridge) > 15 {
		return fmt.Errorf("kubelet: CNIBridge %q is longer than 15 characters", c.CNIBridge)
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.ResolvConf == "" {
		c.ResolvConf = DefaultResolvConf
	}
	if c.HostsFile == "" {
		c.HostsFile = DefaultHostsFile
	}
	if c.MaxPods <= 0 {
		c.MaxPods = DefaultMaxPods
	}
	if c.ServerPort == 0 {
		c.ServerPort = DefaultServerPort
	}
	if c.ServerAddress == "" {
		c.ServerAddress = c.NodeIP
	}
	if c.ServerPort > 0 && c.ClientCAFile == "" {
		return errors.New("kubelet: ClientCAFile is required for the kubelet API (a negative ServerPort disables the API)")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return errors.New("kubelet: TLSCertFile and TLSKeyFile go together")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// defaultNodeIP picks the source address of the default route, or the first
// global unicast address when there is no route.
func defaultNodeIP() (string, error) {
	// A UDP "dial" sends nothing; it only asks the kernel for a route.
	if conn, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		defer conn.Close()
		if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsLoopback() {
			return a.IP.String(), nil
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String(), nil
		}
	}
	return "", errors.New("no global unicast address")
}
