package manager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
	"github.com/nauta/nauta/internal/controller"
)

// Manager runs the registered controllers. It is a Runnable: Start blocks
// until its context ends.
type Manager struct {
	cfg     Config
	logger  *slog.Logger
	client  kubernetes.Interface
	meta    metadata.Interface
	elector kubernetes.Interface
	metrics *queueMetrics
	// inProcess is the API server's in-process transport when the manager
	// runs in the server's process, else nil.
	inProcess *inprocess.Transport

	leading atomic.Bool
}

// New validates cfg and builds the clients; it makes no request.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// The controllers' typed client speaks protobuf, as upstream's
	// kube-controller-manager does: cheaper to encode and decode than JSON.
	typed := cfg.restConfigFor("controllers")
	typed.ContentType = "application/vnd.kubernetes.protobuf"
	typed.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(typed)
	if err != nil {
		return nil, fmt.Errorf("controller manager: client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg.restConfigFor("controllers"))
	if err != nil {
		return nil, fmt.Errorf("controller manager: metadata client: %w", err)
	}
	// Leader election gets its own client so a busy controller client's
	// rate limiter cannot delay lease renewals.
	elector, err := kubernetes.NewForConfig(cfg.restConfigFor("leader-election"))
	if err != nil {
		return nil, fmt.Errorf("controller manager: leader election client: %w", err)
	}
	metrics, err := newQueueMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("controller manager: metrics: %w", err)
	}
	return &Manager{
		cfg:       cfg,
		logger:    cfg.Logger,
		client:    client,
		inProcess: inprocess.FromConfig(typed),
		meta:      meta,
		elector:   elector,
		metrics:   metrics,
	}, nil
}

// Identity is the name this manager uses in the Lease.
func (m *Manager) Identity() string { return m.cfg.Identity }

// IsLeader reports whether the controllers are running right now (always
// while Start runs when leader election is off).
func (m *Manager) IsLeader() bool { return m.leading.Load() }

// Start runs the controllers until ctx ends, under leader election when
// configured. It returns nil on a clean shutdown.
func (m *Manager) Start(ctx context.Context) error {
	if !m.cfg.LeaderElect {
		return m.runTerm(ctx)
	}
	return m.runElected(ctx)
}

// runTerm builds a fresh informer factory and every enabled controller,
// starts the factory once, and runs the controllers until ctx ends. Each
// leadership term gets new caches so nothing stale carries over.
func (m *Manager) runTerm(ctx context.Context) error {
	m.leading.Store(true)
	defer m.leading.Store(false)

	factory := informers.NewSharedInformerFactory(m.client, m.cfg.ResyncPeriod)
	// In the server's process the informers take the server's own objects.
	m.inProcess.ShareInformers(factory, metav1.NamespaceAll, nil)
	// Shutdown waits for the informer goroutines, which stop with ctx.
	defer factory.Shutdown()

	cctx := controller.Context{
		Client:           m.client,
		Metadata:         m.meta,
		Informers:        factory,
		MetadataInformer: m.inProcess.NewMetadataInformer,
		QueueMetrics:     m.metrics,
		RootCA:           m.cfg.RootCA,
		Logger:           m.logger,
	}
	type runnable struct {
		c       controller.Controller
		workers int
	}
	var runs []runnable
	for _, r := range registry {
		if !enabled(m.cfg.Controllers, r.name) {
			m.logger.Info("controller not selected", "controller", r.name)
			continue
		}
		build := r.new
		if override, ok := m.cfg.Constructors[r.name]; ok {
			build = override
		}
		c, err := build(cctx)
		if errors.Is(err, controller.ErrDisabled) {
			m.logger.Info("controller disabled", "controller", r.name, "reason", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("controller manager: build %s: %w", r.name, err)
		}
		workers := r.workers
		if w, ok := m.cfg.Workers[r.name]; ok && w > 0 {
			workers = w
		}
		runs = append(runs, runnable{c: c, workers: workers})
	}

	factory.Start(ctx.Done())

	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.logger.Info("starting controller", "controller", r.c.Name(), "workers", r.workers)
			err := r.c.Run(ctx, r.workers)
			if err != nil && ctx.Err() == nil {
				// One broken controller must not stop the others.
				m.logger.Error("controller stopped", "controller", r.c.Name(), "err", err)
				errs[i] = fmt.Errorf("%s: %w", r.c.Name(), err)
			}
		}()
	}
	<-ctx.Done()
	wg.Wait()
	m.logger.Info("controllers stopped")
	return errors.Join(errs...)
}
