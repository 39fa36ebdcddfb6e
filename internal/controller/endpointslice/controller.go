package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
	"github.com/nauta/nauta/internal/controller/endpoint"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "endpointslice-controller"

// staleRetry is how soon a Service is looked at again when the slice cache
// has not yet caught up with this controller's own writes.
const staleRetry = 100 * time.Millisecond

// Controller keeps the EndpointSlices of every Service with a selector.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	logger   *slog.Logger
	tracker  *tracker
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the service, pod, node and EndpointSlice informers. Keys
// are "namespace/name" of Services.
func New(cctx controller.Context) (controller.Controller, error) {
	f := cctx.Informers
	svcInformer := f.Core().V1().Services()
	podInformer := f.Core().V1().Pods()
	nodeInformer := f.Core().V1().Nodes()
	sliceInformer := f.Discovery().V1().EndpointSlices()
	c := &Controller{
		client:   cctx.Client,
		services: svcInformer.Lister(),
		pods:     podInformer.Lister(),
		nodes:    nodeInformer.Lister(),
		slices:   sliceInformer.Lister(),
		synced: []cache.InformerSynced{
			svcInformer.Informer().HasSynced, podInformer.Informer().HasSynced,
			nodeInformer.Informer().HasSynced, sliceInformer.Informer().HasSynced,
		},
		queue:   controller.NewQueue("endpoint_slice", cctx.QueueMetrics),
		logger:  cctx.Logger.With("controller", ControllerName),
		tracker: newTracker(),
	}
	if _, err := svcInformer.Informer().AddEventHandler(controller.KeyHandler(c.queue)); err != nil {
		return nil, fmt.Errorf("%s: add service handler: %w", ControllerName, err)
	}
	if _, err := podInformer.Informer().AddEventHandler(endpoint.PodHandler(c.queue, c.services)); err != nil {
		return nil, fmt.Errorf("%s: add pod handler: %w", ControllerName, err)
	}
	enqueueSliceService := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		s, ok := obj.(*discovery.EndpointSlice)
		if !ok || s.Labels[discovery.LabelManagedBy] != ManagedBy || s.Labels[discovery.LabelServiceName] == "" {
			return
		}
		c.queue.Add(s.Namespace + "/" + s.Labels[discovery.LabelServiceName])
	}
	if _, err := sliceInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueSliceService,
		UpdateFunc: func(_, obj any) { enqueueSliceService(obj) },
		DeleteFunc: enqueueSliceService,
	}); err != nil {
		return nil, fmt.Errorf("%s: add endpointslice handler: %w", ControllerName, err)
	}
	return c, nil
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

func (c *Controller) zoneOf(node string) string {
	n, err := c.nodes.Get(node)
	if err != nil {
		return ""
	}
	return n.Labels[v1.LabelTopologyZone]
}

// Reconcile converges the EndpointSlices of the Service named by key.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	selector := labels.SelectorFromSet(labels.Set{
		discovery.LabelServiceName: name,
		discovery.LabelManagedBy:   ManagedBy,
	})
	existing, err := c.slices.EndpointSlices(namespace).List(selector)
	if err != nil {
		return err
	}
	if c.tracker.stale(key, existing) {
		return controller.RequeueAfter(staleRetry, "endpointslice cache behind this controller's writes")
	}

	svc, err := c.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// No garbage collector may be running: remove the slices here.
		c.tracker.forget(key)
		return c.apply(ctx, key, plan{delete: existing})
	}
	if err != nil {
		return err
	}
	if !endpoint.Selectable(svc) || svc.DeletionTimestamp != nil {
		return nil
	}
	pods, err := c.pods.Pods(namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	groups := desiredGroups(svc, pods, c.zoneOf)
	p := planSlices(svc, groups, existing, endpoint.TriggerTime(svc, pods), maxEndpointsPerSlice)
	return c.apply(ctx, key, p)
}

// apply writes a plan, deletions last so that endpoints moving between
// slices are never missing from all of them.
func (c *Controller) apply(ctx context.Context, key string, p plan) error {
	var errs []error
	api := func(ns string) interface {
		Create(context.Context, *discovery.EndpointSlice, metav1.CreateOptions) (*discovery.EndpointSlice, error)
		Update(context.Context, *discovery.EndpointSlice, metav1.UpdateOptions) (*discovery.EndpointSlice, error)
		Delete(context.Context, string, metav1.DeleteOptions) error
	} {
		return c.client.DiscoveryV1().EndpointSlices(ns)
	}
	for _, s := range p.create {
		got, err := api(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
				return nil
			}
			errs = append(errs, fmt.Errorf("create endpointslice for %s: %w", key, err))
			continue
		}
		c.tracker.wrote(key, got)
	}
	for _, s := range p.update {
		got, err := api(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("update endpointslice %s/%s: %w", s.Namespace, s.Name, err))
			continue
		}
		c.tracker.wrote(key, got)
	}
	for _, s := range p.delete {
		err := api(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &s.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete endpointslice %s/%s: %w", s.Namespace, s.Name, err))
			continue
		}
		c.tracker.deleted(key, s)
	}
	if n := len(p.create) + len(p.update) + len(p.delete); n > 0 {
		c.logger.Debug("synced endpointslices", "service", key,
			"created", len(p.create), "updated", len(p.update), "deleted", len(p.delete))
	}
	return errors.Join(errs...)
}

// tracker remembers the resourceVersion of each slice this controller last
// wrote, per Service, so that a reconcile on a cache that has not seen those
// writes yet waits instead of creating duplicates.
type tracker struct {
	mu       sync.Mutex
	services map[string]map[string]written // service key → slice name → write
	now      func() time.Time
}

// written is one write of ours: the resourceVersion it produced (0 for a
// deletion) and when. Entries older than trackerTTL are dropped so that a
// slice someone else removed cannot block its Service forever.
type written struct {
	rv uint64
	at time.Time
}

const trackerTTL = 30 * time.Second

func newTracker() *tracker {
	return &tracker{services: map[string]map[string]written{}, now: time.Now}
}

func rv(s *discovery.EndpointSlice) uint64 {
	n, _ := strconv.ParseUint(s.ResourceVersion, 10, 64)
	return n
}

func (t *tracker) wrote(key string, s *discovery.EndpointSlice) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record(key, s.Name, rv(s))
}

func (t *tracker) deleted(key string, s *discovery.EndpointSlice) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.record(key, s.Name, 0)
}

func (t *tracker) record(key, name string, rv uint64) {
	m := t.services[key]
	if m == nil {
		m = map[string]written{}
		t.services[key] = m
	}
	m[name] = written{rv: rv, at: t.now()}
}

func (t *tracker) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.services, key)
}

// stale says whether cached misses a write of ours; entries the cache has
// caught up with are dropped.
func (t *tracker) stale(key string, cached []*discovery.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.services[key]
	if len(m) == 0 {
		return false
	}
	seen := map[string]uint64{}
	for _, s := range cached {
		seen[s.Name] = rv(s)
	}
	stale := false
	now := t.now()
	for name, w := range m {
		got, ok := seen[name]
		switch {
		case now.Sub(w.at) > trackerTTL:
			delete(m, name)
		case w.rv == 0 && ok:
			stale = true
		case w.rv != 0 && (!ok || got < w.rv):
			stale = true
		default:
			delete(m, name)
		}
	}
	if len(m) == 0 {
		delete(t.services, key)
	}
	return stale
}
