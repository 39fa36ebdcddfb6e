package containerd

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Defaults filled in by Config.withDefaults.
const (
	DefaultCNIBinDir    = "/usr/lib/cni"
	DefaultSandboxImage = "nauta.local/pause:3.10"
)

// maxSocketPath is the longest path a unix socket address can hold
// (sun_path is 108 bytes including the terminating NUL).
const maxSocketPath = 107

// Config says where and how the agent's containerd runs.
type Config struct {
	// DataDir is the agent data directory; containerd's root, state,
	// socket, config and log live under DataDir/containerd.
	DataDir string
	// Logger receives supervision logs (containerd's own output goes to
	// DataDir/containerd/containerd.log). Defaults to slog.Default().
	Logger *slog.Logger
	// CNIBinDir holds the CNI plugin binaries (default /usr/lib/cni, where
	// Debian's containernetworking-plugins installs them).
	CNIBinDir string
	// CNIConfDir holds the CNI network configuration (default
	// DataDir/cni/net.d).
	CNIConfDir string
	// SandboxImage is the pause image the CRI plugin starts pod sandboxes
	// with (default nauta.local/pause:3.10, imported by the agent).
	SandboxImage string
	// RegistryMirrors maps a registry host ("docker.io", "registry.k8s.io")
	// to mirror endpoints ("http://127.0.0.1:5000"), tried in order before
	// the registry itself.
	RegistryMirrors map[string][]string
}

// ErrInvalidConfig is wrapped by the errors Start returns for a bad Config.
var ErrInvalidConfig = errors.New("containerd: invalid config")

// paths are the files and directories of one agent containerd.
type paths struct {
	base     string // DataDir/containerd
	root     string
	state    string
	socket   string
	config   string
	log      string
	pidFile  string
	certsDir string // registry config_path (hosts.toml per host)
}

func newPaths(dataDir string) paths {
	base := filepath.Join(dataDir, "containerd")
	return paths{
		base:     base,
		root:     filepath.Join(base, "root"),
		state:    filepath.Join(base, "state"),
		socket:   filepath.Join(base, "containerd.sock"),
		config:   filepath.Join(base, "config.toml"),
		log:      filepath.Join(base, "containerd.log"),
		pidFile:  filepath.Join(base, "containerd.pid"),
		certsDir: filepath.Join(base, "certs.d"),
	}
}

func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		return c, fmt.Errorf("%w: DataDir is required", ErrInvalidConfig)
	}
	dataDir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("%w: DataDir: %w", ErrInvalidConfig, err)
	}
	c.DataDir = dataDir
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.CNIBinDir == "" {
		c.CNIBinDir = DefaultCNIBinDir
	}
	if c.CNIConfDir == "" {
		c.CNIConfDir = filepath.Join(c.DataDir, "cni", "net.d")
	}
	if c.SandboxImage == "" {
		c.SandboxImage = DefaultSandboxImage
	}
	for host, mirrors := range c.RegistryMirrors {
		if host == "" || strings.ContainsAny(host, "/ ") {
			return c, fmt.Errorf("%w: registry host %q", ErrInvalidConfig, host)
		}
		for _, m := range mirrors {
			u, err := url.Parse(m)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return c, fmt.Errorf("%w: mirror %q of %s must be an http(s) URL", ErrInvalidConfig, m, host)
			}
		}
	}
	if p := newPaths(c.DataDir).socket; len(p)+len(".ttrpc") > maxSocketPath {
		return c, fmt.Errorf("%w: socket path %s is too long for a unix socket; use a shorter DataDir", ErrInvalidConfig, p)
	}
	return c, nil
}

// renderConfig returns containerd's config.toml (format version 2).
func renderConfig(c Config, p paths) string {
	q := strconv.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by the nauta agent; rewritten on every start.\n")
	fmt.Fprintf(&b, "version = 2\n")
	fmt.Fprintf(&b, "root = %s\n", q(p.root))
	fmt.Fprintf(&b, "state = %s\n", q(p.state))
	fmt.Fprintf(&b, "oom_score = 0\n\n")
	fmt.Fprintf(&b, "[grpc]\n  address = %s\n\n", q(p.socket))
	fmt.Fprintf(&b, "[ttrpc]\n  address = %s\n\n", q(p.socket+".ttrpc"))
	// No debug socket and no metrics listener: they would clash with a
	// system containerd or another agent on the same machine.
	fmt.Fprintf(&b, "[debug]\n  address = \"\"\n  level = \"info\"\n\n")
	fmt.Fprintf(&b, "[metrics]\n  address = \"\"\n\n")

	const cri = `plugins."io.containerd.grpc.v1.cri"`
	fmt.Fprintf(&b, "[%s]\n", cri)
	fmt.Fprintf(&b, "  sandbox_image = %s\n", q(c.SandboxImage))
	// Machines that refuse to lower oom_score_adj (VMs, user namespaces)
	// fail every sandbox without this.
	fmt.Fprintf(&b, "  restrict_oom_score_adj = true\n")
	fmt.Fprintf(&b, "  stream_server_address = \"127.0.0.1\"\n")
	fmt.Fprintf(&b, "  stream_server_port = \"0\"\n\n")
	fmt.Fprintf(&b, "[%s.containerd]\n", cri)
	fmt.Fprintf(&b, "  snapshotter = \"overlayfs\"\n")
	fmt.Fprintf(&b, "  default_runtime_name = \"runc\"\n\n")
	fmt.Fprintf(&b, "[%s.containerd.runtimes.runc]\n", cri)
	fmt.Fprintf(&b, "  runtime_type = \"io.containerd.runc.v2\"\n\n")
	fmt.Fprintf(&b, "[%s.containerd.runtimes.runc.options]\n", cri)
	fmt.Fprintf(&b, "  SystemdCgroup = false\n\n")
	fmt.Fprintf(&b, "[%s.cni]\n", cri)
	fmt.Fprintf(&b, "  bin_dir = %s\n", q(c.CNIBinDir))
	fmt.Fprintf(&b, "  conf_dir = %s\n\n", q(c.CNIConfDir))
	fmt.Fprintf(&b, "[%s.registry]\n", cri)
	fmt.Fprintf(&b, "  config_path = %s\n", q(p.certsDir))
	return b.String()
}

// renderHostsTOML returns the hosts.toml of one registry host: its mirrors
// in order, each allowed to pull and resolve.
func renderHostsTOML(mirrors []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by the nauta agent.\n")
	for _, m := range mirrors {
		fmt.Fprintf(&b, "\n[host.%s]\n", strconv.Quote(strings.TrimRight(m, "/")))
		fmt.Fprintf(&b, "  capabilities = [\"pull\", \"resolve\"]\n")
	}
	return b.String()
}

// writeFiles creates the directories and writes config.toml and the
// hosts.toml files, replacing any left from an earlier start.
func writeFiles(c Config, p paths) error {
	for _, dir := range []string{p.base, p.root, p.state, c.CNIConfDir} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return fmt.Errorf("containerd: create %s: %w", dir, err)
		}
	}
	if err := os.RemoveAll(p.certsDir); err != nil {
		return fmt.Errorf("containerd: reset %s: %w", p.certsDir, err)
	}
	if err := os.MkdirAll(p.certsDir, 0o755); err != nil {
		return fmt.Errorf("containerd: create %s: %w", p.certsDir, err)
	}
	hosts := make([]string, 0, len(c.RegistryMirrors))
	for h := range c.RegistryMirrors {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		dir := filepath.Join(p.certsDir, h)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("containerd: create %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte(renderHostsTOML(c.RegistryMirrors[h])), 0o644); err != nil {
			return fmt.Errorf("containerd: write hosts.toml for %s: %w", h, err)
		}
	}
	if err := os.WriteFile(p.config, []byte(renderConfig(c, p)), 0o644); err != nil {
		return fmt.Errorf("containerd: write config: %w", err)
	}
	return nil
}

// SocketPath is where the agent's containerd for dataDir listens: what
// `ctr --address` and `nauta images import` use.
func SocketPath(dataDir string) string { return newPaths(dataDir).socket }
