package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/nauta/nauta/internal/bench"
)

func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a Nauta cluster (results go to docs/benchmarks.md)",
	}
	cmd.AddCommand(newBenchAPICommand())
	cmd.AddCommand(newBenchSchedulingCommand())
	cmd.AddCommand(newBenchPodsCommand())
	return cmd
}

func newBenchAPICommand() *cobra.Command {
	var (
		kubeconfig string
		serverPID  int
		cfg        bench.APIConfig
	)
	cmd := &cobra.Command{
		Use:   "api",
		Short: "API server throughput, latency and watch fan-out",
		Long: `Measures creates/s, gets/s and lists of many objects/s with p50/p99
latency at several client concurrencies, and watch-event delivery latency
to many concurrent watchers.

Without --kubeconfig it starts its own "nauta server --disable-agent" in a
temporary directory and reports that process's RSS after the load.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Requests cut off at a phase's end are expected; client-go
			// would log each one.
			klog.SetLogger(logr.Discard())
			if kubeconfig == "" {
				srv, err := startBenchServer(ctx)
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
			report, err := bench.RunAPI(ctx, cfg)
			if err != nil {
				return err
			}
			report.Write(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "cluster to measure (default: start a private server)")
	f.IntVar(&serverPID, "server-pid", 0, "PID of the measured server, for its RSS")
	f.IntSliceVar(&cfg.Concurrency, "clients", []int{1, 16, 64}, "client concurrencies to run each phase with")
	f.DurationVar(&cfg.PhaseDuration, "phase-duration", 10*time.Second, "how long each create/get/list phase runs")
	f.DurationVar(&cfg.Settle, "settle", 15*time.Second, "how long after the last request the server RSS is read again")
	f.IntVar(&cfg.ListObjects, "list-objects", 1000, "objects in the listed namespace")
	f.IntVar(&cfg.Watchers, "watchers", 1000, "concurrent watchers in the watch phase")
	f.IntVar(&cfg.WatchEvents, "watch-events", 100, "objects created in the watch phase")
	return cmd
}

// benchServer is a private `nauta server` child process.
type benchServer struct {
	dir        string
	kubeconfig string
	cmd        *exec.Cmd
}

// startBenchServer starts the private server; extraArgs are appended to its
// command line (e.g. --simulate-nodes for the scheduling bench).
func startBenchServer(ctx context.Context, extraArgs ...string) (*benchServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "nauta-bench-")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &benchServer{dir: dir, kubeconfig: filepath.Join(dir, "kubeconfig.yaml")}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"server", "--data-dir", dir, "--bind-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(port), "--disable-agent", "--log-level", "warn"}, extraArgs...)
	s.cmd = exec.Command(self, args...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting server: %w", err)
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			s.stop()
			return nil, ctx.Err()
		}
		if _, err := os.Stat(s.kubeconfig); err == nil {
			if resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/readyz", port)); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return s, nil
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("bench server not ready within 60s; log in %s", logFile.Name())
}

func (s *benchServer) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
	_ = os.RemoveAll(s.dir)
}
