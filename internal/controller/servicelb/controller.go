package servicelb

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name.
const ControllerName = "service-lb-controller"

// Upstream names used here.
const (
	// CleanupFinalizer keeps a load-balanced Service until its status is cleared.
	CleanupFinalizer = "service.kubernetes.io/load-balancer-cleanup"
	// LabelExcludeFromLB keeps a node out of load balancers.
	LabelExcludeFromLB = "node.kubernetes.io/exclude-from-external-load-balancers"
)

// Controller publishes node addresses for LoadBalancer Services.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	nodes    corelisters.NodeLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	recorder record.EventRecorder
	stopRec  func() func()
	logger   *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)

// New registers the service and node informers.
func New(cctx controller.Context) (controller.Controller, error) {
	svcInformer := cctx.Informers.Core().V1().Services()
	nodeInformer := cctx.Informers.Core().V1().Nodes()
	recorder, stop := controller.NewEventRecorder(cctx.Client, "service-lb-controller")
	c := &Controller{
		client:   cctx.Client,
		services: svcInformer.Lister(),
		nodes:    nodeInformer.Lister(),
		synced:   []cache.InformerSynced{svcInformer.Informer().HasSynced, nodeInformer.Informer().HasSynced},
		queue:    controller.NewQueue("servicelb", cctx.QueueMetrics),
		recorder: recorder,
		stopRec:  stop,
		logger:   cctx.Logger.With("controller", ControllerName),
	}
	if _, err := svcInformer.Informer().AddEventHandler(controller.KeyHandler(c.queue)); err != nil {
		return nil, err
	}
	nodesChanged := func(any) { c.enqueueLoadBalancers() }
	if _, err := nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: nodesChanged,
		UpdateFunc: func(old, cur any) {
			o, n := old.(*v1.Node), cur.(*v1.Node)
			if !slices.Equal(nodeAddresses([]*v1.Node{o}), nodeAddresses([]*v1.Node{n})) {
				c.enqueueLoadBalancers()
			}
		},
		DeleteFunc: nodesChanged,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Name returns ControllerName.
func (c *Controller) Name() string { return ControllerName }

// Run waits for the caches and runs workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.stopRec()()
	defer c.queue.ShutDown()
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return nil
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

func (c *Controller) enqueueLoadBalancers() {
	svcs, err := c.services.List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range svcs {
		if s.Spec.Type == v1.ServiceTypeLoadBalancer || slices.Contains(s.Finalizers, CleanupFinalizer) {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// ours reports whether this controller balances svc.
func ours(svc *v1.Service) bool {
	return svc.Spec.Type == v1.ServiceTypeLoadBalancer && svc.Spec.LoadBalancerClass == nil
}

// Reconcile converges one Service.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	svc := cached.DeepCopy()
	hasFinalizer := slices.Contains(svc.Finalizers, CleanupFinalizer)
	if !ours(svc) || svc.DeletionTimestamp != nil {
		if !hasFinalizer {
			return nil
		}
		// Clear what we published, then let the Service go.
		if len(svc.Status.LoadBalancer.Ingress) > 0 && svc.Spec.LoadBalancerClass == nil {
			svc.Status.LoadBalancer = v1.LoadBalancerStatus{}
			if svc, err = c.client.CoreV1().Services(ns).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
				return ignoreGone(fmt.Errorf("clear load balancer status of %s: %w", key, err))
			}
			c.recorder.Event(svc, v1.EventTypeNormal, "DeletedLoadBalancer", "Deleted load balancer")
		}
		svc.Finalizers = slices.DeleteFunc(svc.Finalizers, func(f string) bool { return f == CleanupFinalizer })
		_, err = c.client.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{})
		return ignoreGone(err)
	}
	if !hasFinalizer {
		svc.Finalizers = append(svc.Finalizers, CleanupFinalizer)
		if svc, err = c.client.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
			return ignoreGone(fmt.Errorf("add finalizer to %s: %w", key, err))
		}
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	want := v1.LoadBalancerStatus{}
	for _, ip := range nodeAddresses(nodes) {
		want.Ingress = append(want.Ingress, v1.LoadBalancerIngress{IP: ip, IPMode: ptr.To(v1.LoadBalancerIPModeVIP)})
	}
	if apiequality.Semantic.DeepEqual(svc.Status.LoadBalancer, want) {
		return nil
	}
	c.recorder.Event(svc, v1.EventTypeNormal, "EnsuringLoadBalancer", "Ensuring load balancer")
	svc.Status.LoadBalancer = want
	if _, err := c.client.CoreV1().Services(ns).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
		return ignoreGone(fmt.Errorf("update load balancer status of %s: %w", key, err))
	}
	c.recorder.Event(svc, v1.EventTypeNormal, "EnsuredLoadBalancer", "Ensured load balancer")
	return nil
}

// nodeAddresses returns, sorted, the address of every ready node that may
// take load-balanced traffic: its ExternalIP, else its InternalIP.
func nodeAddresses(nodes []*v1.Node) []string {
	var out []string
	for _, n := range nodes {
		if _, excluded := n.Labels[LabelExcludeFromLB]; excluded || !nodeReady(n) {
			continue
		}
		addr := ""
		for _, t := range []v1.NodeAddressType{v1.NodeExternalIP, v1.NodeInternalIP} {
			for _, a := range n.Status.Addresses {
				if a.Type == t && addr == "" {
					addr = a.Address
				}
			}
		}
		if addr != "" && !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	slices.Sort(out)
	return out
}

func nodeReady(n *v1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func ignoreGone(err error) error {
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone, or changed meanwhile: the informer brings the next state.
		return nil
	}
	return err
}
