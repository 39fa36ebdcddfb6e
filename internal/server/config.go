package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/nauta/nauta/internal/apiserver/servicealloc"
)

// Defaults of the server flags (the upstream and k3s values).
const (
	DefaultDataDir                = "/var/lib/nauta"
	DefaultBindAddress            = "0.0.0.0"
	DefaultSecurePort             = 6443
	DefaultServiceClusterIPRange  = "10.43.0.0/16"
	DefaultClusterCIDR            = "10.42.0.0/16"
	DefaultClusterDomain          = "cluster.local"
	DefaultEtcdCompactionInterval = 5 * time.Minute
	// DefaultEventTTL is how long an Event lives after its last write, as
	// kube-apiserver's --event-ttl.
	DefaultEventTTL = time.Hour
	// Node lifecycle and pod GC defaults, as kube-controller-manager and
	// kube-apiserver have them.
	DefaultNodeMonitorGracePeriod       = 50 * time.Second
	DefaultNotReadyTolerationSeconds    = 300
	DefaultUnreachableTolerationSeconds = 300
	DefaultTerminatedPodGCThreshold     = 12500
	DefaultNodeCIDRMaskSize             = 24
	// DefaultEtcdCompactionMaxRevisions bounds etcd history under heavy
	// churn; a cluster writing under ~150 objects a second never reaches it
	// within one compaction interval.
	DefaultEtcdCompactionMaxRevisions = 50000
)

// Config is the control plane's configuration; the `nauta server` flags
// fill it, each field named like its flag. New defaults and validates it.
type Config struct {
	// DataDir holds tls/, etcd/ and kubeconfig.yaml (--data-dir).
	DataDir string
	// BindAddress is the address the API server listens on (--bind-address).
	BindAddress string
	// SecurePort is the HTTPS port (--secure-port). 0 picks a free port,
	// which tests use; the kubeconfig names the port actually bound.
	SecurePort int
	// AdvertiseAddress is the address other nodes reach the API server at
	// (--advertise-address). Default: the first non-loopback address of
	// this host, or 127.0.0.1 when it has none.
	AdvertiseAddress string
	// TLSSANs are extra names and addresses for the serving certificate
	// (--tls-san).
	TLSSANs []string
	// DisableAgent keeps this process from running a node agent
	// (--disable-agent); the CLI wires the agent (internal/agent).
	DisableAgent bool

	// EtcdServers are external etcd client URLs (--etcd-servers); empty
	// runs an embedded etcd in DataDir/etcd.
	EtcdServers  []string
	EtcdCAFile   string
	EtcdCertFile string
	EtcdKeyFile  string
	// EtcdCompactionInterval is how often old revisions are compacted
	// (--etcd-compaction-interval); 0 disables compaction.
	EtcdCompactionInterval time.Duration
	// EtcdCompactionMaxRevisions compacts early once this many revisions
	// were written since the last compaction, keeping the newest half
	// (--etcd-compaction-max-revisions); 0 means only by interval.
	EtcdCompactionMaxRevisions int64
	// EventTTL is how long etcd keeps an Event after its last write
	// (--event-ttl).
	EventTTL time.Duration

	// TokenAuthFile is a static token file (--token-auth-file): CSV lines
	// token,user,uid,"group1,group2".
	TokenAuthFile string

	// ServiceClusterIPRange, ClusterCIDR and ClusterDomain are stored for
	// the components that allocate service IPs, pod CIDRs and DNS names.
	ServiceClusterIPRange string
	ClusterCIDR           string
	ClusterDomain         string
	// ServiceNodePortRange is the range NodePort services get their node
	// ports from (--service-node-port-range, "30000-32767").
	ServiceNodePortRange string
	// NodeCIDRMaskSize is the size of each node's pod CIDR carved from
	// ClusterCIDR (--node-cidr-mask-size).
	NodeCIDRMaskSize int

	// NodeMonitorGracePeriod is how long a node may go without renewing
	// its Lease before it is marked unknown (--node-monitor-grace-period).
	NodeMonitorGracePeriod time.Duration
	// DefaultNotReadyTolerationSeconds and
	// DefaultUnreachableTolerationSeconds are the tolerations admission
	// adds to pods (--default-not-ready-toleration-seconds,
	// --default-unreachable-toleration-seconds); 0 means the default 300.
	DefaultNotReadyTolerationSeconds    int64
	DefaultUnreachableTolerationSeconds int64
	// TerminatedPodGCThreshold is how many terminated pods are kept before
	// the oldest are deleted (--terminated-pod-gc-threshold).
	TerminatedPodGCThreshold int
	// DisableScheduler keeps this server from running the scheduler
	// (--disable-scheduler).
	DisableScheduler bool

	// Controllers run once the API server is up and bootstrapped; each
	// gets a loopback client configuration with admin rights.
	Controllers []Controller

	// Logger is the base logger; components add their own "component"
	// attribute. nil means slog.Default().
	Logger *slog.Logger

	// Metrics is the registry /metrics serves; every component of this
	// process registers on it. nil means a new registry.
	Metrics *prometheus.Registry
}

// withDefaults returns c with every unset field at its default.
func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Metrics == nil {
		c.Metrics = NewMetricsRegistry()
	}
	if c.BindAddress == "" {
		c.BindAddress = DefaultBindAddress
	}
	if c.ServiceClusterIPRange == "" {
		c.ServiceClusterIPRange = DefaultServiceClusterIPRange
	}
	if c.ServiceNodePortRange == "" {
		c.ServiceNodePortRange = servicealloc.DefaultNodePortRange
	}
	if c.NodeCIDRMaskSize == 0 {
		c.NodeCIDRMaskSize = DefaultNodeCIDRMaskSize
	}
	if c.NodeMonitorGracePeriod == 0 {
		c.NodeMonitorGracePeriod = DefaultNodeMonitorGracePeriod
	}
	if c.EventTTL == 0 {
		c.EventTTL = DefaultEventTTL
	}
	if c.DefaultNotReadyTolerationSeconds == 0 {
		c.DefaultNotReadyTolerationSeconds = DefaultNotReadyTolerationSeconds
	}
	if c.DefaultUnreachableTolerationSeconds == 0 {
		c.DefaultUnreachableTolerationSeconds = DefaultUnreachableTolerationSeconds
	}
	if c.TerminatedPodGCThreshold == 0 {
		c.TerminatedPodGCThreshold = DefaultTerminatedPodGCThreshold
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = DefaultClusterCIDR
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.AdvertiseAddress == "" {
		addr, err := firstHostAddress()
		if err != nil {
			return c, fmt.Errorf("--advertise-address: no default: %w", err)
		}
		c.AdvertiseAddress = addr.String()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// validate checks c; every message names the flag at fault.
func (c Config) validate() error {
	var errs []error
	if !filepath.IsAbs(c.DataDir) {
		errs = append(errs, fmt.Errorf("--data-dir %q: must be an absolute path", c.DataDir))
	}
	if _, err := netip.ParseAddr(c.BindAddress); err != nil {
		errs = append(errs, fmt.Errorf("--bind-address %q: not an IP address", c.BindAddress))
	}
	if c.SecurePort < 0 || c.SecurePort > 65535 {
		errs = append(errs, fmt.Errorf("--secure-port %d: must be between 0 and 65535", c.SecurePort))
	}
	if a, err := netip.ParseAddr(c.AdvertiseAddress); err != nil || a.IsUnspecified() {
		errs = append(errs, fmt.Errorf("--advertise-address %q: not a usable IP address", c.AdvertiseAddress))
	}
	for _, san := range c.TLSSANs {
		if err := validateSAN(san); err != nil {
			errs = append(errs, fmt.Errorf("--tls-san %q: %w", san, err))
		}
	}
	for _, ep := range c.EtcdServers {
		if u, err := url.Parse(ep); err != nil || u.Scheme == "" || (u.Host == "" && u.Path == "") {
			errs = append(errs, fmt.Errorf("--etcd-servers %q: not a URL like https://10.0.0.1:2379", ep))
		}
	}
	if len(c.EtcdServers) == 0 && (c.EtcdCAFile != "" || c.EtcdCertFile != "" || c.EtcdKeyFile != "") {
		errs = append(errs, errors.New("--etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers"))
	}
	if (c.EtcdCertFile == "") != (c.EtcdKeyFile == "") {
		errs = append(errs, errors.New("--etcd-certfile and --etcd-keyfile must be given together"))
	}
	for flag, path := range map[string]string{"--etcd-cafile": c.EtcdCAFile, "--etcd-certfile": c.EtcdCertFile,
		"--etcd-keyfile": c.EtcdKeyFile, "--token-auth-file": c.TokenAuthFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", flag, err))
		}
	}
	if c.EtcdCompactionInterval < 0 {
		errs = append(errs, fmt.Errorf("--etcd-compaction-interval %v: must not be negative", c.EtcdCompactionInterval))
	}
	if c.EventTTL < 0 || (c.EventTTL > 0 && c.EventTTL < time.Second) {
		errs = append(errs, fmt.Errorf("--event-ttl %v: must be at least 1s", c.EventTTL))
	}
	if c.NodeMonitorGracePeriod < 0 {
		errs = append(errs, fmt.Errorf("--node-monitor-grace-period %v: must be positive", c.NodeMonitorGracePeriod))
	}
	if c.DefaultNotReadyTolerationSeconds < 0 || c.DefaultUnreachableTolerationSeconds < 0 {
		errs = append(errs, fmt.Errorf("--default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds must not be negative"))
	}
	if c.TerminatedPodGCThreshold < 0 {
		errs = append(errs, fmt.Errorf("--terminated-pod-gc-threshold %d: must not be negative", c.TerminatedPodGCThreshold))
	}
	if c.EtcdCompactionMaxRevisions < 0 {
		errs = append(errs, fmt.Errorf("--etcd-compaction-max-revisions %d: must not be negative", c.EtcdCompactionMaxRevisions))
	}
	svc, err := parseCIDR("--service-cluster-ip-range", c.ServiceClusterIPRange)
	switch {
	case err != nil:
		errs = append(errs, err)
	case svc.Addr().BitLen()-svc.Bits() < 2:
		errs = append(errs, fmt.Errorf("--service-cluster-ip-range %q: too small", c.ServiceClusterIPRange))
	}
	if _, err := servicealloc.ParsePortRange(c.ServiceNodePortRange); err != nil {
		errs = append(errs, fmt.Errorf("--service-node-port-range: %w", err))
	}
	pods, err := parseCIDR("--cluster-cidr", c.ClusterCIDR)
	switch {
	case err != nil:
		errs = append(errs, err)
	case svc.IsValid() && pods.Overlaps(svc):
		errs = append(errs, fmt.Errorf("--cluster-cidr %q overlaps --service-cluster-ip-range %q", c.ClusterCIDR, c.ServiceClusterIPRange))
	case c.NodeCIDRMaskSize < pods.Bits() || c.NodeCIDRMaskSize > pods.Addr().BitLen()-2:
		errs = append(errs, fmt.Errorf("--node-cidr-mask-size %d: must be between the --cluster-cidr prefix /%d and /%d",
			c.NodeCIDRMaskSize, pods.Bits(), pods.Addr().BitLen()-2))
	}
	if msgs := validation.IsDNS1123Subdomain(c.ClusterDomain); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("--cluster-domain %q: %s", c.ClusterDomain, strings.Join(msgs, "; ")))
	}
	return errors.Join(errs...)
}

// parseCIDR parses the network flag names; it must not have host bits
// set. On error the prefix is the zero (invalid) one.
func parseCIDR(flag, value string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(value)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%s %q: not a CIDR", flag, value)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%s %q: host bits set (did you mean %s?)", flag, value, p.Masked())
	}
	return p, nil
}

func validateSAN(san string) error {
	if _, err := netip.ParseAddr(san); err == nil {
		return nil
	}
	// Wildcards are allowed in certificates ("*.example.com").
	name := strings.TrimPrefix(san, "*.")
	if msgs := validation.IsDNS1123Subdomain(strings.ToLower(name)); len(msgs) > 0 {
		return fmt.Errorf("neither an IP address nor a DNS name: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// ServiceIP returns the first address of the service range, the ClusterIP
// of the "kubernetes" service.
func (c Config) ServiceIP() (net.IP, error) {
	p, err := netip.ParsePrefix(c.ServiceClusterIPRange)
	if err != nil {
		return nil, fmt.Errorf("--service-cluster-ip-range: %w", err)
	}
	return net.IP(p.Masked().Addr().Next().AsSlice()), nil
}

// firstHostAddress returns the first non-loopback unicast address of this
// host's interfaces (IPv4 preferred), or 127.0.0.1 when there is none.
func firstHostAddress() (netip.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return netip.Addr{}, err
	}
	var v6 netip.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipNet, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipNet.IP)
			if !ok || !ip.IsGlobalUnicast() {
				continue
			}
			ip = ip.Unmap()
			if ip.Is4() {
				return ip, nil
			}
			if !v6.IsValid() {
				v6 = ip
			}
		}
	}
	if v6.IsValid() {
		return v6, nil
	}
	return netip.MustParseAddr("127.0.0.1"), nil
}

// NewMetricsRegistry returns a registry with the Go runtime and process
// collectors, for Config.Metrics.
func NewMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
