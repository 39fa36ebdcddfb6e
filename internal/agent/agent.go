// Package agent is a Nauta node: it runs containerd (or uses the CRI
// endpoint it is given), loads the images a node needs without a registry,
// and runs the kubelet against the API server. `nauta agent` runs one on
// its own; `nauta server` runs one in-process unless --disable-agent.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/agent/cri"
	"github.com/nauta/nauta/internal/agent/images"
	"github.com/nauta/nauta/internal/kubelet"
	"github.com/nauta/nauta/internal/proxy"
)

// Config is one node's configuration; the `nauta agent` flags fill it.
type Config struct {
	// RESTConfig reaches the API server with the node's credentials.
	RESTConfig *rest.Config
	// DataDir holds everything of the node: containerd's state, pod
	// directories and logs, images to import (DataDir/images).
	DataDir  string
	NodeName string
	NodeIP   string
	// RuntimeEndpoint is an existing CRI socket; empty starts a private
	// containerd under DataDir.
	RuntimeEndpoint string
	CNIBinDir       string
	CNIConfDir      string
	// SandboxImage is the pause image; the default is built by Nauta and
	// imported at start.
	SandboxImage    string
	RegistryMirrors map[string][]string
	// PodCIDR is used until the controller manager assigns the node one.
	PodCIDR       string
	ClusterDNS    []string
	ClusterDomain string
	// ResolvConf is the host resolver configuration pods with dnsPolicy
	// Default inherit (--resolv-conf).
	ResolvConf string
	NodeLabels map[string]string
	// ClientCAFile is the CA whose client certificates the kubelet API
	// accepts (the API server's); empty takes the CA of RESTConfig.
	ClientCAFile string
	// ProxyMode is the Service proxy's mode, "nftables" (default) or
	// "iptables"; DisableProxy leaves Services to another proxy.
	ProxyMode    string
	DisableProxy bool
	// ClusterCIDR is the pod network and ServiceCIDR the cluster IP range,
	// as the proxy needs them.
	ClusterCIDR string
	ServiceCIDR string
	Logger      *slog.Logger
}

// ImagesDir is where tarballs dropped by an operator are imported from at
// start (air-gapped nodes).
func (c Config) ImagesDir() string { return filepath.Join(c.DataDir, "images") }

// Run runs the node until ctx ends. A private containerd is stopped on the
// way out; the containers it runs keep running (their shims are separate
// processes), and the next start adopts them.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DataDir == "" {
		return errors.New("agent: DataDir is required")
	}
	if cfg.CNIConfDir == "" {
		cfg.CNIConfDir = filepath.Join(cfg.DataDir, "cni", "net.d")
	}
	log := cfg.Logger.With("component", "agent")
	if cfg.ClientCAFile == "" {
		file, err := writeClientCA(cfg)
		if err != nil {
			return err
		}
		cfg.ClientCAFile = file
	}

	endpoint := cfg.RuntimeEndpoint
	if endpoint == "" {
		proc, err := containerd.Start(ctx, containerd.Config{
			DataDir:         cfg.DataDir,
			Logger:          cfg.Logger.With("component", "containerd"),
			CNIBinDir:       cfg.CNIBinDir,
			CNIConfDir:      cfg.CNIConfDir,
			SandboxImage:    cfg.SandboxImage,
			RegistryMirrors: cfg.RegistryMirrors,
		})
		if err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			if err := proc.Stop(stopCtx); err != nil {
				log.Warn("stopping containerd", "err", err)
			}
		}()
		if err := images.Preload(ctx, proc.Address(), cfg.ImagesDir()); err != nil {
			return fmt.Errorf("agent: loading images: %w", err)
		}
		endpoint = proc.Endpoint()
	} else if socket, err := cri.SocketPath(endpoint); err == nil {
		// A containerd of the user's: the sandbox image still has to be
		// there, and ctr reaches containerd on its CRI socket.
		if err := images.Preload(ctx, socket, cfg.ImagesDir()); err != nil {
			log.Warn("could not import the node images into the runtime; import "+images.PauseImage+" yourself",
				"endpoint", endpoint, "err", err)
		}
	}

	k, err := kubelet.New(kubelet.Config{
		RESTConfig:      cfg.RESTConfig,
		NodeName:        cfg.NodeName,
		NodeIP:          cfg.NodeIP,
		DataDir:         cfg.DataDir,
		RuntimeEndpoint: endpoint,
		PodCIDR:         cfg.PodCIDR,
		CNIBinDir:       cfg.CNIBinDir,
		CNIConfDir:      cfg.CNIConfDir,
		ClusterDNS:      cfg.ClusterDNS,
		ClusterDomain:   cfg.ClusterDomain,
		ResolvConf:      cfg.ResolvConf,
		NodeLabels:      cfg.NodeLabels,
		ClientCAFile:    cfg.ClientCAFile,
		Registerer:      prometheus.NewRegistry(), // served on the kubelet API's /metrics
		Logger:          cfg.Logger.With("component", "kubelet"),
	})
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if cfg.DisableProxy {
		log.Info("node agent starting", "runtime", endpoint, "dataDir", cfg.DataDir, "proxy", "disabled")
		return k.Run(ctx)
	}
	px, err := proxy.New(proxy.Config{
		RESTConfig:  cfg.RESTConfig,
		NodeName:    k.NodeName(),
		Mode:        cfg.ProxyMode,
		ClusterCIDR: cfg.ClusterCIDR,
		ServiceCIDR: cfg.ServiceCIDR,
		Logger:      cfg.Logger.With("component", "proxy"),
	})
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	log.Info("node agent starting", "runtime", endpoint, "dataDir", cfg.DataDir, "proxy", cfg.ProxyMode)
	return runBoth(ctx, k.Run, px.Run)
}

// runBoth runs the kubelet and the proxy until ctx ends or one of them
// fails, which stops the other.
func runBoth(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var first error
	for range fns {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		} else if ctx.Err() == nil {
			// A clean return before shutdown still ends the node.
			cancel()
		}
	}
	return first
}

// writeClientCA stores the cluster CA of RESTConfig in DataDir, so that the
// kubelet API accepts only clients with certificates the cluster issued.
func writeClientCA(cfg Config) (string, error) {
	ca := cfg.RESTConfig.TLSClientConfig.CAData
	if len(ca) == 0 && cfg.RESTConfig.TLSClientConfig.CAFile != "" {
		return cfg.RESTConfig.TLSClientConfig.CAFile, nil
	}
	if len(ca) == 0 {
		return "", errors.New("agent: the kubeconfig has no cluster CA; the kubelet API would accept any client")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("agent: %w", err)
	}
	file := filepath.Join(cfg.DataDir, "client-ca.crt")
	if err := os.WriteFile(file, ca, 0o644); err != nil {
		return "", fmt.Errorf("agent: writing the kubelet client CA: %w", err)
	}
	return file, nil
}
