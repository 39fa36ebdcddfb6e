package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "node-lifecycle-controller"

// Defaults as upstream: --node-monitor-grace-period, --node-monitor-period,
// --node-startup-grace-period, --node-eviction-rate,
// --secondary-node-eviction-rate, --large-cluster-size-threshold,
// --unhealthy-zone-threshold.
const (
	DefaultNodeMonitorGracePeriod    = 50 * time.Second
	DefaultNodeMonitorPeriod         = 5 * time.Second
	DefaultNodeStartupGracePeriod    = 60 * time.Second
	DefaultNodeEvictionRate          = 0.1
	DefaultSecondaryNodeEvictionRate = 0.01
	DefaultLargeClusterSizeThreshold = 50
	DefaultUnhealthyZoneThreshold    = 0.55
)

// NodeLeaseNamespace holds the node heartbeat Leases (named like the node).
const NodeLeaseNamespace = "kube-node-lease"

// Options configure the controller; zero values mean the defaults.
type Options struct {
	NodeMonitorGracePeriod time.Duration
	NodeMonitorPeriod      time.Duration
	NodeStartupGracePeriod time.Duration
	// NodeEvictionRate is how many nodes per second of a healthy zone may
	// get the NoExecute not-ready/unreachable taints;
	// SecondaryNodeEvictionRate applies to a partially disrupted zone of
	// more than LargeClusterSizeThreshold nodes (smaller ones get none). A
	// zone is partially disrupted when more than two and at least
	// UnhealthyZoneThreshold of its nodes are not ready.
	NodeEvictionRate          float64
	SecondaryNodeEvictionRate float64
	LargeClusterSizeThreshold int
	UnhealthyZoneThreshold    float64
}

func (o *Options) defaults() {
	if o.NodeMonitorGracePeriod <= 0 {
		o.NodeMonitorGracePeriod = DefaultNodeMonitorGracePeriod
	}
	if o.NodeMonitorPeriod <= 0 {
		o.NodeMonitorPeriod = DefaultNodeMonitorPeriod
	}
	if o.NodeStartupGracePeriod <= 0 {
		o.NodeStartupGracePeriod = DefaultNodeStartupGracePeriod
	}
	if o.NodeEvictionRate <= 0 {
		o.NodeEvictionRate = DefaultNodeEvictionRate
	}
	if o.SecondaryNodeEvictionRate <= 0 {
		o.SecondaryNodeEvictionRate = DefaultSecondaryNodeEvictionRate
	}
	if o.LargeClusterSizeThreshold <= 0 {
		o.LargeClusterSizeThreshold = DefaultLargeClusterSizeThreshold
	}
	if o.UnhealthyZoneThreshold <= 0 {
		o.UnhealthyZoneThreshold = DefaultUnhealthyZoneThreshold
	}
}

// Controller is the node lifecycle controller; keys are node names.
type Controller struct {
	opts   Options
	client kubernetes.Interface
	nodes  corelisters.NodeLister
	leases coordlisters.LeaseLister
	pods   cache.Indexer
	synced []cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
	events *recorder
	logger *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	health map[string]*nodeHealth
	// zones counts ready and not-ready nodes per zone.
	zones *zoneTracker
	// limiters pace the eviction taints per zone.
	limiters map[string]*rate.Limiter
	// disrupted: no node at all is ready (upstream's master disruption
	// mode).
	disrupted bool
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New builds the controller with default Options.
func New(cctx controller.Context) (controller.Controller, error) {
	return NewWithOptions(Options{})(cctx)
}

// NewWithOptions returns a Constructor using opts.
func NewWithOptions(opts Options) controller.Constructor {
	return func(cctx controller.Context) (controller.Controller, error) {
		opts.defaults()
		nodeInformer := cctx.Informers.Core().V1().Nodes()
		leaseInformer := cctx.Informers.Coordination().V1().Leases()
		podInformer := cctx.Informers.Core().V1().Pods()
		if err := indexPodsByNode(podInformer.Informer()); err != nil {
			return nil, fmt.Errorf("%s: %w", ControllerName, err)
		}
		c := &Controller{
			opts:     opts,
			client:   cctx.Client,
			nodes:    nodeInformer.Lister(),
			leases:   leaseInformer.Lister(),
			pods:     podInformer.Informer().GetIndexer(),
			synced:   []cache.InformerSynced{nodeInformer.Informer().HasSynced, leaseInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
			queue:    controller.NewQueue("node_lifecycle", cctx.QueueMetrics),
			events:   newRecorder(eventComponent),
			logger:   cctx.Logger.With("controller", ControllerName),
			now:      time.Now,
			health:   map[string]*nodeHealth{},
			limiters: map[string]*rate.Limiter{},
			zones:    newZoneTracker(),
		}
		_, err := nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    c.trackZone,
			UpdateFunc: func(_, obj any) { c.trackZone(obj) },
			DeleteFunc: func(obj any) {
				if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = tomb.Obj
				}
				if n, ok := obj.(*v1.Node); ok {
					c.zones.remove(n.Name)
				}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%s: add event handler: %w", ControllerName, err)
		}
		handlers := []struct {
			informer cache.SharedIndexInformer
			key      func(any) string
		}{
			{nodeInformer.Informer(), func(obj any) string {
				if n, ok := obj.(*v1.Node); ok {
					return n.Name
				}
				return ""
			}},
			{leaseInformer.Informer(), func(obj any) string {
				if l, ok := obj.(*coordv1.Lease); ok && l.Namespace == NodeLeaseNamespace {
					return l.Name
				}
				return ""
			}},
			{podInformer.Informer(), func(obj any) string {
				// Only pods on a node that is not ready need a look (to be
				// marked not ready); a ready node's pods are none of this
				// controller's business, and at scale every pod write
				// would otherwise reconcile its node.
				if p, ok := obj.(*v1.Pod); ok && p.Spec.NodeName != "" {
					if n, err := c.nodes.Get(p.Spec.NodeName); err == nil && readyStatus(n) == v1.ConditionTrue {
						return ""
					}
					return p.Spec.NodeName
				}
				return ""
			}},
		}
		for _, h := range handlers {
			enqueue := func(obj any) {
				if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = tomb.Obj
				}
				if key := h.key(obj); key != "" {
					c.queue.Add(key)
				}
			}
			_, err := h.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    enqueue,
				UpdateFunc: func(_, obj any) { enqueue(obj) },
				DeleteFunc: enqueue,
			})
			if err != nil {
				return nil, fmt.Errorf("%s: add event handler: %w", ControllerName, err)
			}
		}
		return c, nil
	}
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) trackZone(obj any) {
	if n, ok := obj.(*v1.Node); ok {
		c.zones.set(n)
	}
}

// Run monitors every node once per monitor period (silence produces no
// events) besides reacting to node, lease and pod changes.
func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	c.events.start(ctx, c.client)
	go wait.UntilWithContext(ctx, func(context.Context) {
		nodes, err := c.nodes.List(labels.Everything())
		if err != nil {
			return
		}
		for _, n := range nodes {
			c.queue.Add(n.Name)
		}
	}, c.opts.NodeMonitorPeriod)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile checks one node's health, taints and pods.
func (c *Controller) Reconcile(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return nil
	}
	if err != nil {
		return err
	}
	lease, err := c.leases.Leases(NodeLeaseNamespace).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err != nil {
		lease = nil
	}

	now := c.now()
	silentUntil := c.observe(node, lease, now)
	if !now.Before(silentUntil) {
		node, err = c.markUnknown(ctx, node, now)
		if err != nil || node == nil {
			return err
		}
	}
	node, err = c.updateTaints(ctx, node, now)
	if err != nil || node == nil {
		return err
	}
	if err := c.markPodsNotReady(ctx, node, now); err != nil {
		return err
	}
	if now.Before(silentUntil) {
		// A little slack so the deadline has surely passed on the next look.
		return controller.RequeueAfter(silentUntil.Sub(now)+10*time.Millisecond, "waiting for the next heartbeat")
	}
	return nil
}

// observe updates the node's health record and returns when its silence
// becomes too long.
func (c *Controller) observe(node *v1.Node, lease *coordv1.Lease, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := observe(c.health[node.Name], heartbeatOf(node, lease), now)
	c.health[node.Name] = &h
	return h.probe.Add(silentFor(node, c.opts.NodeMonitorGracePeriod, c.opts.NodeStartupGracePeriod))
}

func (c *Controller) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.health, name)
}

// markUnknown writes the Unknown conditions of a silent node. It returns
// the node as stored, nil when it is gone.
func (c *Controller) markUnknown(ctx context.Context, node *v1.Node, now time.Time) (*v1.Node, error) {
	updated := node.DeepCopy()
	if !markUnknown(&updated.Status, node.CreationTimestamp, metav1.NewTime(now)) {
		return node, nil
	}
	out, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mark node %s unknown: %w", node.Name, err)
	}
	c.logger.Info("node stopped posting status", "node", node.Name, "reason", reasonStatusUnknown)
	if readyStatus(node) == v1.ConditionTrue {
		c.events.Eventf(nodeRef(node.Name), v1.EventTypeNormal, eventNodeNotReady, "Node %s status is now: %s", node.Name, eventNodeNotReady)
	}
	return out, nil
}

// updateTaints brings the owned taints in line with the node's state,
// pacing the eviction taints per zone and adding none while no node at
// all is ready.
func (c *Controller) updateTaints(ctx context.Context, node *v1.Node, now time.Time) (*v1.Node, error) {
	desired, err := c.pacedTaints(node, desiredTaints(node), now)
	if err != nil {
		return nil, err
	}
	taints, changed := reconcileTaints(node.Spec.Taints, desired, metav1.NewTime(now))
	if !changed {
		return node, nil
	}
	updated := node.DeepCopy()
	updated.Spec.Taints = taints
	out, err := c.client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("update taints of node %s: %w", node.Name, err)
	}
	c.logger.Info("updated node taints", "node", node.Name, "taints", taintStrings(taints))
	return out, nil
}

// pacedTaints applies the disruption rules to desired.
func (c *Controller) pacedTaints(node *v1.Node, desired []v1.Taint, now time.Time) ([]v1.Taint, error) {
	// The cache may not have this node's just-written status yet.
	states, sizes := c.zones.states(c.opts.UnhealthyZoneThreshold, node)
	if c.noteDisruption(allFullyDisrupted(states), now) {
		return withoutEvictionTaints(desired), nil
	}
	if !addsEvictionTaint(desired, node.Spec.Taints) {
		return desired, nil
	}
	zone := zoneOf(node)
	limit := c.opts.NodeEvictionRate
	if states[zone] == statePartialDisruption {
		limit = 0
		if sizes[zone] > c.opts.LargeClusterSizeThreshold {
			limit = c.opts.SecondaryNodeEvictionRate
		}
	}
	if limit == 0 || !c.limiter(zone, limit).AllowN(now, 1) {
		// The monitor pass looks at the node again.
		c.logger.Debug("eviction taint held back", "node", node.Name, "zoneState", states[zone])
		return withoutNewEvictionTaints(desired, node.Spec.Taints), nil
	}
	return desired, nil
}

// noteDisruption records whether no node at all is ready and returns it.
// On leaving that state every node gets a fresh grace period, since none
// could reach the control plane to heartbeat.
func (c *Controller) noteDisruption(all bool, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if all == c.disrupted {
		return all
	}
	c.disrupted = all
	if all {
		c.logger.Warn("Controller detected that all Nodes are not-Ready. Entering master disruption mode.")
		return true
	}
	c.logger.Info("Controller detected that some Nodes are Ready. Exiting master disruption mode.")
	for _, h := range c.health {
		h.probe = now
	}
	return false
}

func (c *Controller) limiter(zone string, limit float64) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limiters[zone]
	if !ok {
		l = rate.NewLimiter(rate.Limit(limit), 1)
		c.limiters[zone] = l
	} else if l.Limit() != rate.Limit(limit) {
		l.SetLimit(rate.Limit(limit))
	}
	return l
}

func taintStrings(taints []v1.Taint) []string {
	out := make([]string, len(taints))
	for i := range taints {
		out[i] = taints[i].ToString()
	}
	return out
}

// markPodsNotReady sets Ready=False on the pods of a node that is not
// ready: nothing on it can be trusted to serve.
func (c *Controller) markPodsNotReady(ctx context.Context, node *v1.Node, now time.Time) error {
	ready := readyStatus(node)
	if ready != v1.ConditionFalse && ready != v1.ConditionUnknown {
		return nil
	}
	objs, err := c.pods.ByIndex(podsByNodeIndex, node.Name)
	if err != nil {
		return err
	}
	var errs []error
	for _, obj := range objs {
		if pod, ok := obj.(*v1.Pod); ok && pod.DeletionTimestamp == nil {
			errs = append(errs, c.markPodNotReady(ctx, pod, now))
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) markPodNotReady(ctx context.Context, pod *v1.Pod, now time.Time) error {
	updated := pod.DeepCopy()
	if !markPodNotReady(&updated.Status, metav1.NewTime(now)) {
		return nil
	}
	_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mark pod %s/%s not ready: %w", pod.Namespace, pod.Name, err)
	}
	c.events.Event(pod, v1.EventTypeWarning, eventNodeNotReady, "Node is not ready")
	return nil
}
