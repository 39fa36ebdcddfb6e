package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/agent"
	"github.com/nauta/nauta/internal/dns"
	"github.com/nauta/nauta/internal/procmem"
	"github.com/nauta/nauta/internal/proxy"
	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/simnode"
)

// agentFlags are the flags `nauta agent` and `nauta server` share for the
// node they run.
type agentFlags struct {
	cfg            agent.Config
	mirrors        []string
	labels         []string
	simulateNodes  int
	simulateZones  int
	simulateCPU    string
	simulateMemory string
	simulatePods   string
}

func (a *agentFlags) add(f *pflag.FlagSet) {
	f.StringVar(&a.cfg.NodeName, "node-name", "", "name of this node (default: the host name)")
	f.StringVar(&a.cfg.NodeIP, "node-ip", "", "InternalIP of this node (default: the address of the default route's interface)")
	f.StringVar(&a.cfg.RuntimeEndpoint, "container-runtime-endpoint", "",
		"CRI socket of an existing container runtime (default: run a private containerd in the data dir)")
	f.StringVar(&a.cfg.CNIBinDir, "cni-bin-dir", "/usr/lib/cni", "directory of the CNI plugins")
	f.StringVar(&a.cfg.CNIConfDir, "cni-conf-dir", "", "directory of the CNI network configuration (default: DATA_DIR/agent/cni/net.d)")
	f.StringVar(&a.cfg.SandboxImage, "pod-infra-container-image", "", "sandbox (pause) image (default: the one Nauta builds and imports)")
	f.StringSliceVar(&a.mirrors, "registry-mirror", nil, "registry mirror as HOST=URL (repeatable), e.g. docker.io=http://10.0.0.5:5000")
	f.StringSliceVar(&a.labels, "node-label", nil, "label to register the node with, KEY=VALUE (repeatable)")
	f.StringVar(&a.cfg.PodCIDR, "pod-cidr", "", "pod CIDR to use until the controller manager assigns one")
	f.StringVar(&a.cfg.ResolvConf, "resolv-conf", "/etc/resolv.conf", "resolver configuration pods with dnsPolicy Default inherit")
	f.StringVar(&a.cfg.ProxyMode, "proxy-mode", "nftables", "how the Service proxy programs the kernel: nftables or iptables")
	f.BoolVar(&a.cfg.DisableProxy, "disable-proxy", false, "do not run the Service proxy on this node (bring your own)")
	f.IntVar(&a.simulateNodes, "simulate-nodes", 0, "instead of a real node, register this many simulated nodes that play kubelet for their pods")
	f.IntVar(&a.simulateZones, "simulate-node-zones", 0, "spread simulated nodes over this many topology.kubernetes.io/zone values")
	f.StringVar(&a.simulateCPU, "simulate-node-cpu", "32", "cpu capacity of each simulated node")
	f.StringVar(&a.simulateMemory, "simulate-node-memory", "256Gi", "memory capacity of each simulated node")
	f.StringVar(&a.simulatePods, "simulate-node-pods", "110", "pods capacity of each simulated node")
}

// complete parses the repeated KEY=VALUE flags.
func (a *agentFlags) complete() error {
	mirrors, err := keyValues("--registry-mirror", a.mirrors)
	if err != nil {
		return err
	}
	if len(mirrors) > 0 {
		a.cfg.RegistryMirrors = map[string][]string{}
		for _, kv := range mirrors {
			a.cfg.RegistryMirrors[kv[0]] = append(a.cfg.RegistryMirrors[kv[0]], kv[1])
		}
	}
	labels, err := keyValues("--node-label", a.labels)
	if err != nil {
		return err
	}
	if len(labels) > 0 {
		a.cfg.NodeLabels = map[string]string{}
		for _, kv := range labels {
			a.cfg.NodeLabels[kv[0]] = kv[1]
		}
	}
	if a.simulateNodes < 0 {
		return fmt.Errorf("--simulate-nodes %d: must not be negative", a.simulateNodes)
	}
	return nil
}

func keyValues(flag string, values []string) ([][2]string, error) {
	var out [][2]string
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" || val == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, v)
		}
		out = append(out, [2]string{k, val})
	}
	return out, nil
}

// simnodeConfig is the simulated-nodes configuration from the flags.
func (a *agentFlags) simnodeConfig(rc *rest.Config, log *slog.Logger) (simnode.Config, error) {
	cfg := simnode.Config{RESTConfig: rc, Nodes: a.simulateNodes, Zones: a.simulateZones, Logger: log}
	for _, q := range []struct {
		flag, value string
		into        *resource.Quantity
	}{
		{"--simulate-node-cpu", a.simulateCPU, &cfg.CPU},
		{"--simulate-node-memory", a.simulateMemory, &cfg.Memory},
		{"--simulate-node-pods", a.simulatePods, &cfg.Pods},
	} {
		v, err := resource.ParseQuantity(q.value)
		if err != nil {
			return cfg, fmt.Errorf("%s %q: %w", q.flag, q.value, err)
		}
		*q.into = v
	}
	return cfg, nil
}

// runnable is the node part of a process: simulated nodes or a real one.
func (a *agentFlags) runnable(rc *rest.Config, dataDir string, log *slog.Logger) (server.Runnable, error) {
	if a.simulateNodes > 0 {
		cfg, err := a.simnodeConfig(rc, log.With("component", "simnode"))
		if err != nil {
			return nil, err
		}
		r, err := simnode.New(cfg)
		if err != nil {
			return nil, err
		}
		return server.RunnableFunc(r.Run), nil
	}
	cfg := a.cfg
	cfg.RESTConfig = rc
	cfg.DataDir = dataDir
	cfg.Logger = log
	return server.RunnableFunc(func(ctx context.Context) error { return agent.Run(ctx, cfg) }), nil
}

func newAgentCommand() *cobra.Command {
	var (
		flags      agentFlags
		kubeconfig string
		apiServer  string
		dataDir    string
		clusterDNS []string
		cleanup    bool
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node: kubelet over containerd, or simulated nodes",
		Long: `Run a node that joins the cluster behind --kubeconfig (and --server).

By default the agent starts its own containerd under DATA_DIR/agent, imports
the pause image Nauta builds (and any image tarball in DATA_DIR/agent/images),
registers the Node and runs its pods. With --simulate-nodes N it registers N
simulated nodes instead, which mark the pods bound to them Running without
running anything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.Default()
			klog.SetSlogLogger(log.With("component", "client-go"))
			if cleanup {
				// As kube-proxy --cleanup: remove the proxy's rules and exit.
				return proxy.Cleanup(cmd.Context(), log)
			}
			if err := flags.complete(); err != nil {
				return err
			}
			flags.cfg.ClusterDNS = clusterDNS
			if kubeconfig == "" {
				return errors.New("--kubeconfig is required: the credentials this node uses (the server writes an admin one to DATA_DIR/kubeconfig.yaml)")
			}
			rc, err := clientcmd.BuildConfigFromFlags(apiServer, kubeconfig)
			if err != nil {
				return fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
			}
			run, err := flags.runnable(rc, filepath.Join(dataDir, "agent"), log)
			if err != nil {
				return err
			}
			go trimAgentAfterStartup(cmd.Context(), log)
			return run.Start(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig with this node's credentials")
	f.StringVar(&apiServer, "server", "", "API server URL, e.g. https://10.0.0.1:6443 (default: the kubeconfig's)")
	f.StringVar(&dataDir, "data-dir", server.DefaultDataDir, "directory for the node's state (DATA_DIR/agent)")
	f.StringSliceVar(&clusterDNS, "cluster-dns", []string{defaultClusterDNS()}, "nameserver of pods with dnsPolicy ClusterFirst (the kube-dns Service IP)")
	f.StringVar(&flags.cfg.ClusterDomain, "cluster-domain", server.DefaultClusterDomain, "DNS domain of the cluster")
	f.StringVar(&flags.cfg.ClusterCIDR, "cluster-cidr", server.DefaultClusterCIDR, "pod network of the cluster (the server's --cluster-cidr)")
	f.StringVar(&flags.cfg.ServiceCIDR, "service-cluster-ip-range", server.DefaultServiceClusterIPRange, "cluster IP range of the cluster (the server's --service-cluster-ip-range)")
	f.BoolVar(&cleanup, "cleanup", false, "remove the Service proxy's nftables and iptables rules, then exit")
	flags.add(f)
	return cmd
}

// agentStartupSettle is how long after start the agent is assumed done
// with start-up: containerd answered, the node registered, the informers
// listed and the proxy's first sync ran (a few seconds on a loaded node).
const agentStartupSettle = 30 * time.Second

// trimAgentAfterStartup returns start-up memory once the agent settled.
func trimAgentAfterStartup(ctx context.Context, log *slog.Logger) {
	select {
	case <-time.After(agentStartupSettle):
		procmem.TrimAfterStartup(log)
	case <-ctx.Done():
	}
}

// defaultClusterDNS is the kube-dns Service IP of the default service
// range: its 10th address.
func defaultClusterDNS() string {
	ip, err := dns.ServiceIPFromRange(server.DefaultServiceClusterIPRange)
	if err != nil {
		panic(err) // the default range is valid
	}
	return ip
}
