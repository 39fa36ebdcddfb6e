package cli

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/apiserver/servicealloc"
	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/controller/nodeipam"
	"github.com/nauta/nauta/internal/controller/nodelifecycle"
	"github.com/nauta/nauta/internal/controller/podgc"
	"github.com/nauta/nauta/internal/controller/servicelb"
	"github.com/nauta/nauta/internal/dns"
	"github.com/nauta/nauta/internal/procmem"
	"github.com/nauta/nauta/internal/scheduler"
	"github.com/nauta/nauta/internal/server"
)

func newServerCommand() *cobra.Command {
	var (
		cfg              server.Config
		node             agentFlags
		disableServiceLB bool
		disableDNS       bool
		dnsPort          int
		srv              *server.Server
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server on embedded or external etcd",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Logger = slog.Default()
			procmem.RunGCTuner(cmd.Context(), procmem.DefaultGCTuner(cfg.Logger))
			cfg.Metrics = server.NewMetricsRegistry()
			klog.SetSlogLogger(cfg.Logger.With("component", "client-go"))
			var controllers []string
			if disableServiceLB {
				controllers = []string{"*", "-" + servicelb.ControllerName}
			}
			cfg.Controllers = append(cfg.Controllers, controllerManager(&cfg, controllers))
			if !cfg.DisableScheduler {
				cfg.Controllers = append(cfg.Controllers, kubeScheduler(&cfg))
			}
			if err := node.complete(); err != nil {
				return err
			}
			if !cfg.DisableAgent || node.simulateNodes > 0 {
				cfg.Controllers = append(cfg.Controllers, inProcessAgent(&cfg, &node))
			}
			if !disableDNS {
				// The closure runs once the server started: srv is set,
				// and its Config has the defaulted advertise address.
				cfg.Controllers = append(cfg.Controllers, clusterDNS(func() server.Config { return srv.Config() }, &node, dnsPort))
			}
			var err error
			srv, err = server.New(cfg)
			if err != nil {
				return err
			}
			go func() {
				select {
				case <-srv.Ready():
					procmem.TrimAfterStartup(cfg.Logger)
				case <-cmd.Context().Done():
				}
			}()
			return srv.Start(cmd.Context())
		},
	}
	addServerFlags(cmd.Flags(), &cfg)
	cmd.Flags().BoolVar(&disableDNS, "disable-cluster-dns", false,
		"do not run the cluster DNS server in this process (kube-system/kube-dns is then yours to provide)")
	cmd.Flags().IntVar(&dnsPort, "cluster-dns-port", dns.DefaultPort,
		"port the cluster DNS server listens on at the advertise address (0 picks a free one); the kube-dns Service forwards port 53 to it")
	cmd.Flags().BoolVar(&disableServiceLB, "disable-service-lb", false,
		"do not publish node addresses for LoadBalancer services (bring your own load balancer)")
	node.add(cmd.Flags())
	return cmd
}

// inProcessAgent runs this machine's node (or the simulated nodes) on the
// server's loopback connection, so one command gives a working cluster.
func inProcessAgent(cfg *server.Config, node *agentFlags) server.Controller {
	return server.Controller{
		Name: "agent",
		New: func(loopback *rest.Config) (server.Runnable, error) {
			if node.cfg.NodeLabels == nil {
				node.cfg.NodeLabels = map[string]string{}
			}
			node.cfg.NodeLabels["node-role.kubernetes.io/control-plane"] = "true"
			node.cfg.ClusterDomain = cfg.ClusterDomain
			node.cfg.ClusterCIDR = cfg.ClusterCIDR
			node.cfg.ServiceCIDR = cfg.ServiceClusterIPRange
			dnsIP, err := dns.ServiceIPFromRange(cfg.ServiceClusterIPRange)
			if err != nil {
				return nil, err
			}
			node.cfg.ClusterDNS = []string{dnsIP}
			return node.runnable(loopback, filepath.Join(cfg.DataDir, "agent"), cfg.Logger)
		},
	}
}

// clusterDNS runs the cluster DNS server on this server's advertise
// address and publishes it as the kube-system/kube-dns Service at the 10th
// address of the service range.
func clusterDNS(serverConfig func() server.Config, node *agentFlags, port int) server.Controller {
	return server.Controller{
		Name: "dns",
		New: func(loopback *rest.Config) (server.Runnable, error) {
			cfg := serverConfig()
			dnsIP, err := dns.ServiceIPFromRange(cfg.ServiceClusterIPRange)
			if err != nil {
				return nil, err
			}
			nodeName := node.cfg.NodeName
			if nodeName == "" {
				if nodeName, err = os.Hostname(); err != nil {
					return nil, fmt.Errorf("dns: %w", err)
				}
				nodeName = strings.ToLower(nodeName)
			}
			s, err := dns.New(dns.Config{
				RESTConfig:    loopback,
				ClusterDomain: cfg.ClusterDomain,
				ListenAddrs:   []string{net.JoinHostPort(cfg.AdvertiseAddress, strconv.Itoa(port))},
				ReverseCIDRs:  []string{cfg.ServiceClusterIPRange, cfg.ClusterCIDR},
				ServiceIP:     dnsIP,
				Publish: &dns.PublishConfig{
					ServiceIP: dnsIP,
					NodeName:  nodeName,
					Address:   cfg.AdvertiseAddress,
				},
				Logger:     cfg.Logger.With("component", "dns"),
				Registerer: cfg.Metrics,
			})
			if err != nil {
				return nil, err
			}
			return server.RunnableFunc(s.Run), nil
		},
	}
}

// kubeScheduler runs the leader-elected scheduler on the server's loopback
// connection.
func kubeScheduler(cfg *server.Config) server.Controller {
	return server.Controller{
		Name: "scheduler",
		New: func(loopback *rest.Config) (server.Runnable, error) {
			return scheduler.New(scheduler.Config{
				RESTConfig:  loopback,
				LeaderElect: true,
				Logger:      cfg.Logger,
				Registerer:  cfg.Metrics,
			})
		},
	}
}

// controllerOptions passes the server flags to the controllers that take
// them.
func controllerOptions(cfg *server.Config) map[string]controller.Constructor {
	return map[string]controller.Constructor{
		podgc.ControllerName: podgc.NewWithOptions(podgc.Options{TerminatedPodGCThreshold: cfg.TerminatedPodGCThreshold}),
		nodelifecycle.ControllerName: nodelifecycle.NewWithOptions(nodelifecycle.Options{
			NodeMonitorGracePeriod: cfg.NodeMonitorGracePeriod,
		}),
		nodeipam.ControllerName: nodeipam.NewWithOptions(nodeipam.Options{
			ClusterCIDR:          cfg.ClusterCIDR,
			NodeCIDRMaskSizeIPv4: cfg.NodeCIDRMaskSize,
		}),
	}
}

// controllerManager runs the leader-elected controller manager on the
// server's loopback connection.
func controllerManager(cfg *server.Config, controllers []string) server.Controller {
	return server.Controller{
		Name: "controller-manager",
		New: func(loopback *rest.Config) (server.Runnable, error) {
			return manager.New(manager.Config{
				RESTConfig:   loopback,
				LeaderElect:  true,
				Controllers:  controllers,
				Constructors: controllerOptions(cfg),
				// In-process over loopback: the limit protects nothing and,
				// at upstream's 20-50 QPS, caps pod creation (ReplicaSets)
				// far below what the API server takes (docs/benchmarks.md).
				ClientQPS:   1000,
				ClientBurst: 2000,
				Logger:      cfg.Logger,
				Registerer:  cfg.Metrics,
			})
		},
	}
}

// addServerFlags binds the `nauta server` flags to cfg.
func addServerFlags(f *pflag.FlagSet, cfg *server.Config) {
	f.StringVar(&cfg.DataDir, "data-dir", server.DefaultDataDir, "directory for certificates, etcd data and the admin kubeconfig")
	f.StringVar(&cfg.BindAddress, "bind-address", server.DefaultBindAddress, "address the API server listens on")
	f.IntVar(&cfg.SecurePort, "secure-port", server.DefaultSecurePort, "HTTPS port of the API server (0 picks a free port)")
	f.StringVar(&cfg.AdvertiseAddress, "advertise-address", "", "address other nodes reach the API server at (default: first non-loopback host address)")
	f.StringSliceVar(&cfg.TLSSANs, "tls-san", nil, "extra DNS name or IP for the serving certificate (repeatable, comma-separated)")
	f.BoolVar(&cfg.DisableAgent, "disable-agent", false, "do not run a node agent in this process")
	f.StringSliceVar(&cfg.EtcdServers, "etcd-servers", nil, "external etcd client URLs, comma-separated (default: embedded etcd in DATA_DIR/etcd)")
	f.StringVar(&cfg.EtcdCAFile, "etcd-cafile", "", "CA certificate that verifies the external etcd")
	f.StringVar(&cfg.EtcdCertFile, "etcd-certfile", "", "client certificate for the external etcd")
	f.StringVar(&cfg.EtcdKeyFile, "etcd-keyfile", "", "client key for the external etcd")
	f.DurationVar(&cfg.EventTTL, "event-ttl", server.DefaultEventTTL, "how long an Event is kept after its last write")
	f.DurationVar(&cfg.EtcdCompactionInterval, "etcd-compaction-interval", server.DefaultEtcdCompactionInterval, "how often old etcd revisions are compacted (0 disables)")
	f.Int64Var(&cfg.EtcdCompactionMaxRevisions, "etcd-compaction-max-revisions", server.DefaultEtcdCompactionMaxRevisions,
		"also compact once this many revisions were written since the last compaction, keeping the newest half (0: only by interval)")
	f.StringVar(&cfg.TokenAuthFile, "token-auth-file", "", "static bearer tokens, CSV: token,user,uid,\"group1,group2\"")
	f.StringVar(&cfg.ServiceClusterIPRange, "service-cluster-ip-range", server.DefaultServiceClusterIPRange, "CIDR service ClusterIPs are allocated from")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", servicealloc.DefaultNodePortRange, "port range NodePort and LoadBalancer services get node ports from")
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", server.DefaultClusterCIDR, "CIDR pod IPs are allocated from")
	f.IntVar(&cfg.NodeCIDRMaskSize, "node-cidr-mask-size", server.DefaultNodeCIDRMaskSize, "prefix length of each node's pod CIDR within --cluster-cidr")
	f.DurationVar(&cfg.NodeMonitorGracePeriod, "node-monitor-grace-period", server.DefaultNodeMonitorGracePeriod,
		"how long a node may go without renewing its Lease before it is marked unknown and tainted")
	f.Int64Var(&cfg.DefaultNotReadyTolerationSeconds, "default-not-ready-toleration-seconds", server.DefaultNotReadyTolerationSeconds,
		"tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to pods that have none")
	f.Int64Var(&cfg.DefaultUnreachableTolerationSeconds, "default-unreachable-toleration-seconds", server.DefaultUnreachableTolerationSeconds,
		"tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to pods that have none")
	f.IntVar(&cfg.TerminatedPodGCThreshold, "terminated-pod-gc-threshold", server.DefaultTerminatedPodGCThreshold,
		"terminated pods kept before the oldest are deleted")
	f.BoolVar(&cfg.DisableScheduler, "disable-scheduler", false, "do not run the scheduler in this server")
	f.StringVar(&cfg.ClusterDomain, "cluster-domain", server.DefaultClusterDomain, "DNS domain of the cluster")
}
