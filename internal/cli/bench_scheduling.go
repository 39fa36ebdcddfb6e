package cli

import (
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/bench"
)

func newBenchSchedulingCommand() *cobra.Command {
	var (
		kubeconfig string
		serverPID  int
		zones      int
		nodeCPU    string
		nodeMemory string
		nodePods   string
		podCIDR    string
		cfg        bench.SchedulingConfig
	)
	cmd := &cobra.Command{
		Use:   "scheduling",
		Short: "Scheduler throughput on simulated nodes",
		Long: `Waits for --nodes Ready nodes, creates --deployments Deployments of
--replicas small pods each as fast as it can and reports pods bound per
second, the create→bound latency, the time until every pod is Running and
the server's peak and final RSS.

Without --kubeconfig it starts its own "nauta server --disable-agent
--simulate-nodes N" in a temporary directory; the simulated nodes run in
that process, so its RSS includes them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			klog.SetLogger(logr.Discard())
			if cfg.Spread && zones == 0 {
				zones = 10
			}
			if kubeconfig == "" {
				srv, err := startBenchServer(ctx,
					"--simulate-nodes", fmt.Sprint(cfg.Nodes),
					"--simulate-node-zones", fmt.Sprint(zones),
					"--simulate-node-cpu", nodeCPU,
					"--simulate-node-memory", nodeMemory,
					"--simulate-node-pods", nodePods,
					"--cluster-cidr", podCIDR)
				if err != nil {
					return err
				}
				defer srv.stop()
				kubeconfig, serverPID = srv.kubeconfig, srv.cmd.Process.Pid
			}
			rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
			}
			cfg.RESTConfig, cfg.ServerPID = rc, serverPID
			cfg.Progress = cmd.ErrOrStderr()
			report, err := bench.RunScheduling(ctx, cfg)
			if err != nil {
				return err
			}
			report.Write(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "cluster to measure (default: start a private server with simulated nodes)")
	f.IntVar(&serverPID, "server-pid", 0, "PID of the measured server, for its RSS")
	f.IntVar(&cfg.Nodes, "nodes", 1000, "Ready nodes to wait for (and to simulate in the private server)")
	f.IntVar(&zones, "zones", 0, "topology.kubernetes.io/zone values of the simulated nodes (default 10 with --spread)")
	f.StringVar(&nodeCPU, "node-cpu", "32", "cpu capacity of each simulated node")
	f.StringVar(&nodeMemory, "node-memory", "256Gi", "memory capacity of each simulated node")
	f.StringVar(&nodePods, "node-pods", "110", "pods capacity of each simulated node")
	// The default /16 has room for 256 node /24s only.
	f.StringVar(&podCIDR, "cluster-cidr", "100.64.0.0/10", "--cluster-cidr of the private server: room for every simulated node's /24")
	f.IntVar(&cfg.Deployments, "deployments", 100, "Deployments to create")
	f.IntVar(&cfg.Replicas, "replicas", 100, "replicas of each Deployment")
	f.IntVar(&cfg.Namespaces, "namespaces", 1, "namespaces to spread the Deployments over")
	f.BoolVar(&cfg.AntiAffinity, "anti-affinity", false, "give pods a preferred pod anti-affinity on kubernetes.io/hostname")
	f.BoolVar(&cfg.Spread, "spread", false, "give pods a zone topology spread constraint (maxSkew 1, DoNotSchedule)")
	f.IntVar(&cfg.Creators, "creators", 16, "concurrent clients creating the Deployments")
	f.DurationVar(&cfg.NodeWait, "node-wait", 10*time.Minute, "how long to wait for the nodes to be Ready")
	f.DurationVar(&cfg.Settle, "settle", 2*time.Minute, "after the nodes are Ready, wait at most this long for the server's CPU use to level off before the load (0: do not wait)")
	f.DurationVar(&cfg.IdleSample, "idle-sample", 10*time.Second, "measure the server's idle CPU use for this long before the load (0: skip)")
	f.StringVar(&cfg.CPUProfile, "cpu-profile", "", "write a CPU profile of the server, taken during the load, to this file")
	f.DurationVar(&cfg.CPUProfileDuration, "cpu-profile-duration", 30*time.Second, "how long the --cpu-profile covers, from the first create")
	f.DurationVar(&cfg.Timeout, "timeout", 30*time.Minute, "how long to wait for every pod to be bound and Running")
	return cmd
}
