package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "garbage-collector-controller"

// Defaults: upstream re-reads discovery every 30 s to notice new resources
// (custom resources) and waits a bounded time for its informers.
const (
	DefaultDiscoveryPeriod = 30 * time.Second
	DefaultSyncTimeout     = 60 * time.Second
)

// Options configure the controller; zero values mean the defaults.
type Options struct {
	DiscoveryPeriod time.Duration
	SyncTimeout     time.Duration
}

func (o *Options) defaults() {
	if o.DiscoveryPeriod <= 0 {
		o.DiscoveryPeriod = DefaultDiscoveryPeriod
	}
	if o.SyncTimeout <= 0 {
		o.SyncTimeout = DefaultSyncTimeout
	}
}

// Controller is the garbage collector; keys are object uids.
type Controller struct {
	opts     Options
	metadata metadata.Interface
	graph    *graph
	monitors *monitors
	queue    workqueue.TypedRateLimitingInterface[string]
	logger   *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New builds the controller with default Options.
func New(cctx controller.Context) (controller.Controller, error) {
	return NewWithOptions(Options{})(cctx)
}

// NewWithOptions returns a Constructor using opts. The collector runs its
// own metadata informers (started in Run, one per resource), not the
// shared typed factory.
func NewWithOptions(opts Options) controller.Constructor {
	return func(cctx controller.Context) (controller.Controller, error) {
		opts.defaults()
		if cctx.Metadata == nil || cctx.Client == nil {
			return nil, fmt.Errorf("%s: needs the metadata and typed clients: %w", ControllerName, controller.ErrDisabled)
		}
		c := &Controller{
			opts:     opts,
			metadata: cctx.Metadata,
			graph:    newGraph(),
			queue:    controller.NewQueue("garbage_collector_attempt_to_delete", cctx.QueueMetrics),
			logger:   cctx.Logger.With("controller", ControllerName),
		}
		c.monitors = &monitors{
			discovery: cctx.Client.Discovery(),
			metadata:  cctx.Metadata,
			informer:  cctx.MetadataInformer,
			handler:   c.eventHandler,
			gone:      c.forgetResource,
			watching:  map[schema.GroupVersionResource]*monitor{},
		}
		return c, nil
	}
}

func (c *Controller) Name() string { return ControllerName }

// Run discovers the resources, waits (bounded) for their informers, then
// processes the graph's changes until ctx ends, re-reading discovery every
// DiscoveryPeriod.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.monitors.stopAll()
	var synced []cache.InformerSynced
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := c.monitors.sync(ctx)
		if err != nil {
			c.logger.Warn("resource discovery incomplete", "err", err)
		}
		synced = s
		return len(s) > 0, nil
	})
	if err != nil {
		return nil
	}
	// Deletions are checked against live reads, so an informer that never
	// syncs (a broken resource) must not stop the collector.
	syncCtx, cancel := context.WithTimeout(ctx, c.opts.SyncTimeout)
	if !cache.WaitForCacheSync(syncCtx.Done(), synced...) && ctx.Err() == nil {
		c.logger.Warn("not every resource synced in time, collecting anyway", "timeout", c.opts.SyncTimeout)
	}
	cancel()
	go wait.UntilWithContext(ctx, func(ctx context.Context) {
		if _, err := c.monitors.sync(ctx); err != nil {
			c.logger.Warn("resource discovery incomplete", "err", err)
		}
	}, c.opts.DiscoveryPeriod)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// eventHandler keeps the graph and queues what a change may affect: the
// object itself when it has owners or is being deleted with a collector
// finalizer, its dependents when it goes away, and its owners that wait
// for their dependents.
func (c *Controller) eventHandler(resource schema.GroupVersionResource) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.observe(resource, obj, false) },
		UpdateFunc: func(_, obj any) { c.observe(resource, obj, false) },
		DeleteFunc: func(obj any) { c.observe(resource, obj, true) },
	}
}

func (c *Controller) observe(resource schema.GroupVersionResource, obj any, deleted bool) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	n := nodeOf(resource, m)
	var old *node
	if deleted {
		old = c.graph.remove(n.uid)
		for _, d := range c.graph.dependentsOf(n.uid) {
			c.queue.Add(string(d.uid))
		}
	} else {
		old = c.graph.upsert(n)
		if needsAttention(old, n, c.graph.ownersObserved(n)) {
			c.queue.Add(string(n.uid))
		}
	}
	owners := n.ownerUIDs()
	if old != nil {
		owners = append(owners, old.ownerUIDs()...)
	}
	for _, uid := range owners {
		if o, ok := c.graph.get(uid); ok && o.deleting {
			c.queue.Add(string(uid))
		}
	}
}

// forgetResource drops the objects of a resource no longer served; their
// dependents are looked at again.
func (c *Controller) forgetResource(_ schema.GroupVersionResource, store cache.Store) {
	for _, obj := range store.List() {
		if m, ok := obj.(metav1.Object); ok {
			c.graph.remove(m.GetUID())
			for _, d := range c.graph.dependentsOf(m.GetUID()) {
				c.queue.Add(string(d.uid))
			}
		}
	}
}

// needsAttention reports whether a change from old (nil: newly seen) to n
// may call for work on n itself: a new object or changed owner references
// with an owner the graph has not observed (ownersObserved false), or a
// deletion waiting on the collector. Other changes (status churn of owned
// pods, pods created by an observed ReplicaSet) are skipped to spare the
// API server the live reads; an observed owner's deletion queues its
// dependents then.
func needsAttention(old, n *node, ownersObserved bool) bool {
	waiting := n.deleting && (n.hasFinalizer(metav1.FinalizerOrphanDependents) || n.hasFinalizer(metav1.FinalizerDeleteDependents))
	if old == nil {
		return (len(n.owners) > 0 && !ownersObserved) || waiting
	}
	if !slices.EqualFunc(old.owners, n.owners, func(a, b metav1.OwnerReference) bool {
		return a.UID == b.UID && ptrEqual(a.BlockOwnerDeletion, b.BlockOwnerDeletion)
	}) && len(n.owners) > 0 && !ownersObserved {
		return true
	}
	return waiting && (!old.deleting || !slices.Equal(old.finalizers, n.finalizers))
}

func ptrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Reconcile handles the object with uid key.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	n, ok := c.graph.get(types.UID(key))
	if !ok {
		return nil
	}
	if n.deleting {
		switch {
		case n.hasFinalizer(metav1.FinalizerOrphanDependents):
			return c.orphanDependents(ctx, n)
		case n.hasFinalizer(metav1.FinalizerDeleteDependents):
			return c.deleteDependentsFirst(ctx, n)
		}
	}
	if len(n.owners) == 0 {
		return nil
	}
	return c.attemptToDelete(ctx, n)
}

func (c *Controller) client(n *node) metadata.ResourceInterface {
	if n.namespace == "" {
		return c.metadata.Resource(n.resource)
	}
	return c.metadata.Resource(n.resource).Namespace(n.namespace)
}

// live reads n's current metadata; nil when it is gone or was replaced by
// another object of the same name.
func (c *Controller) live(ctx context.Context, n *node) (*metav1.PartialObjectMetadata, error) {
	obj, err := c.client(n).Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s/%s: %w", n.resource.Resource, n.namespace, n.name, err)
	}
	if obj.UID != n.uid {
		return nil, nil
	}
	return obj, nil
}

// attemptToDelete deletes a dependent none of whose owners remains, or
// drops its references to owners that are gone.
func (c *Controller) attemptToDelete(ctx context.Context, n *node) error {
	obj, err := c.live(ctx, n)
	if err != nil || obj == nil {
		return err
	}
	if obj.DeletionTimestamp != nil && !slices.Contains(obj.Finalizers, metav1.FinalizerDeleteDependents) {
		return nil
	}
	var owners []ownerStatus
	unresolved := false
	for _, ref := range obj.OwnerReferences {
		state, err := c.ownerState(ctx, n.namespace, ref)
		if err != nil {
			return err
		}
		unresolved = unresolved || state == ownerUnresolved
		owners = append(owners, ownerStatus{ref: ref, state: state})
	}
	act := decideDependent(owners, obj.Finalizers)
	switch {
	case act.delete:
		if obj.DeletionTimestamp != nil {
			return nil
		}
		c.logger.Info("deleting object whose owners are gone", "resource", resourceName(n.resource), "namespace", n.namespace, "name", n.name, "uid", n.uid, "propagationPolicy", act.policy)
		err := c.client(n).Delete(ctx, n.name, metav1.DeleteOptions{
			PropagationPolicy: &act.policy,
			Preconditions:     &metav1.Preconditions{UID: &n.uid},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete %s %s/%s: %w", n.resource.Resource, n.namespace, n.name, err)
		}
		return nil
	case len(act.removeRefs) > 0:
		if err := c.removeOwnerRefs(ctx, n, act.removeRefs); err != nil {
			return err
		}
	}
	if unresolved {
		// Look again once discovery was re-read: the kind may be new.
		return controller.RequeueAfter(c.opts.DiscoveryPeriod, "owner kind not resolvable yet")
	}
	return nil
}

// ownerState reads the owner ref points to (in namespace, for namespaced
// kinds) live.
func (c *Controller) ownerState(ctx context.Context, namespace string, ref metav1.OwnerReference) (ownerState, error) {
	gvr, namespaced, err := c.monitors.resourceFor(ref.APIVersion, ref.Kind)
	if err != nil {
		c.logger.Debug("cannot resolve owner kind, keeping dependent", "apiVersion", ref.APIVersion, "kind", ref.Kind, "err", err)
		return ownerUnresolved, nil
	}
	var client metadata.ResourceInterface = c.metadata.Resource(gvr)
	if namespaced {
		if namespace == "" {
			// A cluster-scoped object cannot be owned by a namespaced
			// one: the reference can never resolve.
			return ownerDangling, nil
		}
		client = c.metadata.Resource(gvr).Namespace(namespace)
	}
	owner, err := client.Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return ownerDangling, nil
	case err != nil:
		return ownerSolid, fmt.Errorf("get owner %s %s/%s: %w", gvr.Resource, namespace, ref.Name, err)
	case owner.UID != ref.UID:
		return ownerDangling, nil
	case owner.DeletionTimestamp != nil && slices.Contains(owner.Finalizers, metav1.FinalizerDeleteDependents):
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// deleteDependentsFirst serves a foreground deletion: every dependent is
// looked at (and deleted, its owner now waiting), and the finalizer goes
// once no dependent blocks the owner any more.
func (c *Controller) deleteDependentsFirst(ctx context.Context, owner *node) error {
	deps := c.graph.dependentsOf(owner.uid)
	for _, d := range deps {
		c.queue.Add(string(d.uid))
	}
	if n := blockingDependents(owner.uid, deps); n > 0 {
		c.logger.Debug("waiting for blocking dependents", "uid", owner.uid, "name", owner.name, "count", n)
		return nil
	}
	return c.removeFinalizer(ctx, owner, metav1.FinalizerDeleteDependents)
}

// orphanDependents drops the references to owner from its dependents, then
// the orphan finalizer.
func (c *Controller) orphanDependents(ctx context.Context, owner *node) error {
	var errs []error
	for _, d := range c.graph.dependentsOf(owner.uid) {
		errs = append(errs, c.removeOwnerRefs(ctx, d, []types.UID{owner.uid}))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.removeFinalizer(ctx, owner, metav1.FinalizerOrphanDependents)
}

// removeOwnerRefs patches n's ownerReferences without those to uids. The
// patch names the read uid and resourceVersion, so it fails instead of
// overwriting a concurrent change.
func (c *Controller) removeOwnerRefs(ctx context.Context, n *node, uids []types.UID) error {
	obj, err := c.live(ctx, n)
	if err != nil || obj == nil {
		return err
	}
	refs, changed := withoutRefs(obj.OwnerReferences, uids)
	if !changed {
		return nil
	}
	c.logger.Info("removing owner references", "resource", resourceName(n.resource), "namespace", n.namespace, "name", n.name, "owners", uids)
	return c.patchMetadata(ctx, n, obj, map[string]any{"ownerReferences": refs})
}

func (c *Controller) removeFinalizer(ctx context.Context, n *node, finalizer string) error {
	obj, err := c.live(ctx, n)
	if err != nil || obj == nil {
		return err
	}
	if !slices.Contains(obj.Finalizers, finalizer) {
		return nil
	}
	rest := slices.DeleteFunc(slices.Clone(obj.Finalizers), func(f string) bool { return f == finalizer })
	c.logger.Info("removing finalizer", "resource", resourceName(n.resource), "namespace", n.namespace, "name", n.name, "finalizer", finalizer)
	return c.patchMetadata(ctx, n, obj, map[string]any{"finalizers": rest})
}

func (c *Controller) patchMetadata(ctx context.Context, n *node, obj *metav1.PartialObjectMetadata, fields map[string]any) error {
	meta := map[string]any{"uid": obj.UID, "resourceVersion": obj.ResourceVersion}
	for k, v := range fields {
		meta[k] = v
	}
	patch, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return err
	}
	_, err = c.client(n).Patch(ctx, n.name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patch %s %s/%s: %w", n.resource.Resource, n.namespace, n.name, err)
	}
	return nil
}

// resourceName spells a resource as kubectl does: "configmaps",
// "deployments.apps".
func resourceName(gvr schema.GroupVersionResource) string {
	return gvr.GroupResource().String()
}
