package controller

import (
	"context"
	"fmt"
	"log/slog"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// PublisherOptions describe a controller that keeps one named object in
// every active namespace.
type PublisherOptions struct {
	// Name is the controller's name; it prefixes errors and logs.
	Name string
	// QueueName labels the workqueue metrics.
	QueueName string
	// ObjectName is the name of the published object in each namespace.
	ObjectName string
	// Objects is the informer of the published kind.
	Objects cache.SharedIndexInformer
	// PrivateObjects says Objects is not from the shared factory, so the
	// publisher runs it itself.
	PrivateObjects bool
	// RequeueOnUpdate requeues a namespace when its object changes, not
	// only when it is deleted.
	RequeueOnUpdate bool
}

// NamespacedPublisher is the shared skeleton of such controllers: it
// queues a namespace (the key) when the namespace is added or updated and
// when its published object goes away (or changes), and runs workers into
// the controller's Reconcile.
type NamespacedPublisher struct {
	opts       PublisherOptions
	reconciler Reconciler
	namespaces corelisters.NamespaceLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	logger     *slog.Logger
}

// NewNamespacedPublisher registers the namespace informer of the shared
// factory and the event handlers; r is the controller's Reconcile.
func NewNamespacedPublisher(cctx Context, opts PublisherOptions, r Reconciler) (*NamespacedPublisher, error) {
	nsInformer := cctx.Informers.Core().V1().Namespaces()
	p := &NamespacedPublisher{
		opts:       opts,
		reconciler: r,
		namespaces: nsInformer.Lister(),
		synced:     []cache.InformerSynced{nsInformer.Informer().HasSynced, opts.Objects.HasSynced},
		queue:      NewQueue(opts.QueueName, cctx.QueueMetrics),
		logger:     cctx.Logger.With("controller", opts.Name),
	}
	if _, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    p.enqueueNamespace,
		UpdateFunc: func(_, obj any) { p.enqueueNamespace(obj) },
	}); err != nil {
		return nil, fmt.Errorf("%s: add namespace handler: %w", opts.Name, err)
	}
	handler := cache.ResourceEventHandlerFuncs{DeleteFunc: p.enqueueObjectNamespace}
	if opts.RequeueOnUpdate {
		handler.UpdateFunc = func(_, obj any) { p.enqueueObjectNamespace(obj) }
	}
	if _, err := opts.Objects.AddEventHandler(handler); err != nil {
		return nil, fmt.Errorf("%s: add %s handler: %w", opts.Name, opts.ObjectName, err)
	}
	return p, nil
}

// Name is the controller's name.
func (p *NamespacedPublisher) Name() string { return p.opts.Name }

// Namespaces lists namespaces from the shared cache.
func (p *NamespacedPublisher) Namespaces() corelisters.NamespaceLister { return p.namespaces }

// Logger is the controller's logger.
func (p *NamespacedPublisher) Logger() *slog.Logger { return p.logger }

// Run starts a private object informer, waits for the caches and runs
// workers into the controller's Reconcile until ctx ends.
func (p *NamespacedPublisher) Run(ctx context.Context, workers int) error {
	if p.opts.PrivateObjects {
		go p.opts.Objects.RunWithContext(ctx)
	}
	if err := WaitForCacheSync(ctx, p.opts.Name, p.synced...); err != nil {
		return err
	}
	RunWorkers(ctx, p.logger, p.queue, workers, p.reconciler)
	return nil
}

func (p *NamespacedPublisher) enqueueNamespace(obj any) {
	if ns, ok := obj.(*v1.Namespace); ok {
		p.queue.Add(ns.Name)
	}
}

func (p *NamespacedPublisher) enqueueObjectNamespace(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	m, err := meta.Accessor(obj)
	if err == nil && m.GetName() == p.opts.ObjectName {
		p.queue.Add(m.GetNamespace())
	}
}
