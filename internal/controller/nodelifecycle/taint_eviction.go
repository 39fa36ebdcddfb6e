package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// TaintEvictionControllerName is the taint-based eviction controller's
// name, as upstream spells it (upstream split it out of the node lifecycle
// controller so it can be turned off on its own).
const TaintEvictionControllerName = "taint-eviction-controller"

// TaintEviction deletes pods from nodes with NoExecute taints they do not
// tolerate: at once, or when their tolerationSeconds run out. Keys are
// node names.
type TaintEviction struct {
	client kubernetes.Interface
	nodes  corelisters.NodeLister
	pods   cache.Indexer
	synced []cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
	events *recorder
	logger *slog.Logger
	now    func() time.Time

	mu sync.Mutex
	// firstSeen stands in for TimeAdded on NoExecute taints that lack it,
	// keyed by node and taint key.
	firstSeen map[string]time.Time
}

var _ controller.Controller = (*TaintEviction)(nil)
var _ controller.Reconciler = (*TaintEviction)(nil)

// NewTaintEviction is the taint eviction controller's Constructor.
func NewTaintEviction(cctx controller.Context) (controller.Controller, error) {
	nodeInformer := cctx.Informers.Core().V1().Nodes()
	podInformer := cctx.Informers.Core().V1().Pods()
	if err := indexPodsByNode(podInformer.Informer()); err != nil {
		return nil, fmt.Errorf("%s: %w", TaintEvictionControllerName, err)
	}
	c := &TaintEviction{
		client:    cctx.Client,
		nodes:     nodeInformer.Lister(),
		pods:      podInformer.Informer().GetIndexer(),
		synced:    []cache.InformerSynced{nodeInformer.Informer().HasSynced, podInformer.Informer().HasSynced},
		queue:     controller.NewQueue("taint_eviction", cctx.QueueMetrics),
		events:    newRecorder(taintEvictionEventComponent),
		logger:    cctx.Logger.With("controller", TaintEvictionControllerName),
		now:       time.Now,
		firstSeen: map[string]time.Time{},
	}
	enqueue := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		switch o := obj.(type) {
		case *v1.Node:
			c.queue.Add(o.Name)
		case *v1.Pod:
			// A pod matters only on a node with a NoExecute taint (its
			// node's own events cover the taints coming and going); at
			// scale every pod write would otherwise walk its node's pods.
			if o.Spec.NodeName != "" {
				if n, err := c.nodes.Get(o.Spec.NodeName); err == nil && !hasNoExecuteTaint(n) {
					return
				}
				c.queue.Add(o.Spec.NodeName)
			}
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}
	for _, inf := range []cache.SharedIndexInformer{nodeInformer.Informer(), podInformer.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return nil, fmt.Errorf("%s: add event handler: %w", TaintEvictionControllerName, err)
		}
	}
	return c, nil
}

func (c *TaintEviction) Name() string { return TaintEvictionControllerName }

func hasNoExecuteTaint(node *v1.Node) bool {
	for _, t := range node.Spec.Taints {
		if t.Effect == v1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

func (c *TaintEviction) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, TaintEvictionControllerName, c.synced...); err != nil {
		return err
	}
	c.events.start(ctx, c.client)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile evicts the pods of node whose time is up and looks again at
// the next toleration deadline.
func (c *TaintEviction) Reconcile(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name, nil)
		return nil
	}
	if err != nil {
		return err
	}
	now := c.now()
	c.forget(name, node.Spec.Taints)
	if !hasNoExecuteTaint(node) {
		return nil
	}
	objs, err := c.pods.ByIndex(podsByNodeIndex, name)
	if err != nil {
		return err
	}
	var next time.Time
	var errs []error
	for _, obj := range objs {
		pod, ok := obj.(*v1.Pod)
		if !ok || pod.DeletionTimestamp != nil {
			continue
		}
		verdict := decideEviction(pod, node.Spec.Taints, func(t v1.Taint) time.Time { return c.taintSeen(name, t, now) }, now)
		switch {
		case verdict.evict:
			errs = append(errs, c.evict(ctx, pod, now))
		case !verdict.at.IsZero() && (next.IsZero() || verdict.at.Before(next)):
			next = verdict.at
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if !next.IsZero() {
		// A little slack so the deadline has surely passed on the next look.
		return controller.RequeueAfter(next.Sub(now)+10*time.Millisecond, "waiting for a toleration to run out")
	}
	return nil
}

func (c *TaintEviction) taintSeen(node string, t v1.Taint, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := node + "/" + t.Key
	if seen, ok := c.firstSeen[key]; ok {
		return seen
	}
	c.firstSeen[key] = now
	return now
}

// forget drops the first-seen times of node's taints that are gone.
func (c *TaintEviction) forget(node string, taints []v1.Taint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := map[string]bool{}
	for _, t := range taints {
		keep[node+"/"+t.Key] = true
	}
	prefix := node + "/"
	for k := range c.firstSeen {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix && !keep[k] {
			delete(c.firstSeen, k)
		}
	}
}

// evict marks the pod with the DisruptionTarget condition and deletes it
// (with its own grace period).
func (c *TaintEviction) evict(ctx context.Context, pod *v1.Pod, now time.Time) error {
	c.logger.Info("Marking for deletion Pod", "pod", pod.Namespace+"/"+pod.Name, "node", pod.Spec.NodeName, "reason", eventTaintManagerEviction)
	c.events.Eventf(pod, v1.EventTypeNormal, eventTaintManagerEviction, "Marking for deletion Pod %s/%s", pod.Namespace, pod.Name)
	pods := c.client.CoreV1().Pods(pod.Namespace)
	updated := pod.DeepCopy()
	setPodCondition(&updated.Status, v1.PodCondition{
		Type:    v1.DisruptionTarget,
		Status:  v1.ConditionTrue,
		Reason:  reasonTaintEviction,
		Message: messageTaintEviction,
	}, metav1.NewTime(now))
	if _, err := pods.UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("mark pod %s/%s for eviction: %w", pod.Namespace, pod.Name, err)
	}
	err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("evict pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

func setPodCondition(status *v1.PodStatus, cond v1.PodCondition, now metav1.Time) {
	for i := range status.Conditions {
		existing := &status.Conditions[i]
		if existing.Type != cond.Type {
			continue
		}
		if existing.Status != cond.Status {
			existing.LastTransitionTime = now
		}
		existing.Status, existing.Reason, existing.Message = cond.Status, cond.Reason, cond.Message
		return
	}
	cond.LastTransitionTime = now
	status.Conditions = append(status.Conditions, cond)
}
