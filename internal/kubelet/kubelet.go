package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nauta/nauta/internal/agent/cri"
)

// Kubelet runs the pods bound to one node.
type Kubelet struct {
	cfg    Config
	log    *slog.Logger
	client kubernetes.Interface

	runtime runtimeapi.RuntimeServiceClient
	images  runtimeapi.ImageServiceClient
	conn    *cri.Client

	runtimeVersion string // "containerd://1.6.20"
	nodeReady      atomic.Bool

	mu      sync.Mutex
	podCIDR string
	workers map[types.UID]*podWorker
	// podLister reads the node's pods once the informer synced.
	podLister corelisters.PodLister

	recorder record.EventRecorder
	metrics  *metrics

	crashBackoff *backoff
	pullBackoff  *backoff

	// objects watches the ConfigMaps and Secrets pod volumes use.
	objects *objectWatcher
}

// New checks cfg, fills its defaults and builds the API and CRI clients. It
// does not contact either.
func New(cfg Config) (*Kubelet, error) {
	if err := cfg.complete(); err != nil {
		return nil, err
	}
	rc := *cfg.RESTConfig
	if rc.UserAgent == "" {
		rc.UserAgent = "nauta-kubelet/" + cfg.NodeName
	}
	client, err := kubernetes.NewForConfig(&rc)
	if err != nil {
		return nil, fmt.Errorf("kubelet: API client: %w", err)
	}
	conn, err := cri.Dial(context.Background(), cfg.RuntimeEndpoint)
	if err != nil {
		return nil, fmt.Errorf("kubelet: CRI client: %w", err)
	}
	k := &Kubelet{
		cfg:          cfg,
		log:          cfg.Logger.With("component", "kubelet", "node", cfg.NodeName),
		client:       client,
		runtime:      conn.Runtime,
		images:       conn.Images,
		conn:         conn,
		workers:      map[types.UID]*podWorker{},
		metrics:      newMetrics(cfg.Registerer, cfg.NodeName),
		crashBackoff: newBackoff(10*time.Second, 5*time.Minute),
		pullBackoff:  newBackoff(10*time.Second, 5*time.Minute),
	}
	k.objects = newObjectWatcher(client, k.wakePod)
	return k, nil
}

// wakePod makes the pod's worker sync now, if it has one.
func (k *Kubelet) wakePod(uid types.UID) {
	k.mu.Lock()
	w := k.workers[uid]
	k.mu.Unlock()
	if w != nil {
		w.wake()
	}
}

// Run registers the node and runs its pods until ctx ends. Pods keep running
// when it returns: a restarted kubelet adopts them.
func (k *Kubelet) Run(ctx context.Context) error {
	defer k.conn.Close()
	for _, d := range []string{k.podsDir(), k.logsDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("kubelet: %w", err)
		}
	}
	if err := k.waitRuntime(ctx); err != nil {
		return err
	}
	if err := k.registerNode(ctx); err != nil {
		return err
	}
	k.startEvents(ctx)
	k.log.Info("node registered", "runtime", k.runtimeVersion, "nodeIP", k.cfg.NodeIP)

	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	run(k.runLease)
	run(k.runNodeStatus)
	run(k.runPods)
	var serverErr error
	if k.cfg.ServerPort > 0 {
		run(func(ctx context.Context) {
			// A kubelet API that cannot listen leaves the pods running.
			if serverErr = k.runServer(ctx); serverErr != nil {
				k.log.Error("kubelet API stopped", "err", serverErr)
			}
		})
	}
	wg.Wait()
	k.mu.Lock()
	workers := make([]*podWorker, 0, len(k.workers))
	for _, w := range k.workers {
		workers = append(workers, w)
	}
	k.mu.Unlock()
	for _, w := range workers {
		<-w.done
	}
	return serverErr
}

// waitRuntime waits until the CRI endpoint answers Version.
func (k *Kubelet) waitRuntime(ctx context.Context) error {
	var lastErr error
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := k.runtime.Version(cctx, &runtimeapi.VersionRequest{})
		cancel()
		if err == nil {
			k.runtimeVersion = v.RuntimeName + "://" + v.RuntimeVersion
			return nil
		}
		if lastErr == nil {
			k.log.Info("waiting for the container runtime", "endpoint", k.cfg.RuntimeEndpoint, "err", err)
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubelet: container runtime at %s: %w", k.cfg.RuntimeEndpoint, lastErr)
		case <-time.After(time.Second):
		}
	}
}

func (k *Kubelet) podsDir() string { return filepath.Join(k.cfg.DataDir, "pods") }
func (k *Kubelet) logsDir() string { return filepath.Join(k.cfg.DataDir, "logs") }

func (k *Kubelet) currentPodCIDR() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.podCIDR
}

// Start is Run under the name the server's Runnable interface uses.
func (k *Kubelet) Start(ctx context.Context) error { return k.Run(ctx) }
