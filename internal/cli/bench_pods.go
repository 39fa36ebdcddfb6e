package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/bench"
)

func newBenchPodsCommand() *cobra.Command {
	var (
		nodeName string
		cfg      bench.PodsConfig
	)
	cmd := &cobra.Command{
		Use:   "pods",
		Short: "Pod start-up latency and agent memory on a real node (root, containerd)",
		Long: `Starts a private "nauta server --disable-agent" and a separate
"nauta agent" (with its own containerd) in temporary directories, waits for
the node, runs one pre-warm pod, then creates --pods busybox pods one at a
time and reports the create→Running latency (p50/p99/max). It then keeps
--keep pods, idles for --idle and reports the RSS of the agent, of its
containerd and of the server. Every pod is deleted before the agent stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			klog.SetLogger(logr.Discard())
			srv, err := startBenchServer(ctx)
			if err != nil {
				return err
			}
			defer srv.stop()
			ag, err := startBenchAgent(srv, nodeName)
			if err != nil {
				return err
			}
			// Runs before srv.stop: the agent needs the server to finish.
			defer ag.stop()
			rc, err := clientcmd.BuildConfigFromFlags("", srv.kubeconfig)
			if err != nil {
				return err
			}
			cfg.RESTConfig = rc
			cfg.AgentPID, cfg.ServerPID = ag.cmd.Process.Pid, srv.cmd.Process.Pid
			cfg.Progress = cmd.ErrOrStderr()
			report, err := bench.RunPods(ctx, cfg)
			if err != nil {
				ag.keepLog = true
				return fmt.Errorf("%w (agent log: %s)", err, ag.logPath)
			}
			report.Write(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&nodeName, "node-name", "bench-node", "name of the agent's node")
	f.IntVar(&cfg.Pods, "pods", 100, "pods to create one by one")
	f.IntVar(&cfg.Keep, "keep", 10, "pods left running while the RSS is read")
	f.DurationVar(&cfg.Idle, "idle", 30*time.Second, "how long the node idles with --keep pods before the RSS is read")
	f.DurationVar(&cfg.NodeWait, "node-wait", 3*time.Minute, "how long to wait for the node to be Ready")
	f.DurationVar(&cfg.PodTimeout, "pod-timeout", 2*time.Minute, "how long to wait for each pod")
	return cmd
}

// benchAgent is a private `nauta agent` child process.
type benchAgent struct {
	dir     string
	logPath string
	keepLog bool // the log outlives the run when the bench failed
	cmd     *exec.Cmd
}

// startBenchAgent starts an agent against srv with its own data dir.
func startBenchAgent(srv *benchServer, nodeName string) (*benchAgent, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "nauta-bench-agent-")
	if err != nil {
		return nil, err
	}
	// Outside both data dirs, which are removed when the bench ends.
	a := &benchAgent{dir: dir, logPath: filepath.Join(os.TempDir(), fmt.Sprintf("nauta-bench-agent-%d.log", os.Getpid()))}
	logFile, err := os.Create(a.logPath)
	if err != nil {
		return nil, err
	}
	// Not tied to the command's context: it must outlive the pods'
	// deletion, which runs after a cancel too.
	a.cmd = exec.CommandContext(context.Background(), self, "agent", "--kubeconfig", srv.kubeconfig,
		"--data-dir", dir, "--node-name", nodeName, "--log-level", "warn")
	a.cmd.Stdout, a.cmd.Stderr = logFile, logFile
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting agent: %w", err)
	}
	return a, nil
}

func (a *benchAgent) stop() {
	_ = a.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
		<-done
	}
	// A shim whose sandbox was removed just before the agent stopped its
	// containerd would outlive the data dir forever.
	containerd.KillShims(containerd.SocketPath(filepath.Join(a.dir, "agent")))
	_ = os.RemoveAll(a.dir)
	if !a.keepLog {
		_ = os.Remove(a.logPath)
	}
}
