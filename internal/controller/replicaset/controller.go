package replicaset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// Controller names, as upstream spells them.
const (
	ControllerName                      = "replicaset-controller"
	ReplicationControllerControllerName = "replicationcontroller-controller"
)

// BurstReplicas caps the pods created or deleted in one sync, as upstream's
// --replicaset-burst-replicas default does.
const BurstReplicas = 500

// Controller keeps the pods of ReplicaSets (or ReplicationControllers).
type Controller struct {
	name       string
	client     kubernetes.Interface
	owners     owners
	podLister  corelisters.PodLister
	podIndex   cache.Indexer
	podsSynced cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	exp        *expectations
	recorder   record.EventRecorder
	startSink  func() func()
	logger     *slog.Logger
	now        func() time.Time
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New builds the ReplicaSet controller.
func New(cctx controller.Context) (controller.Controller, error) {
	owners, err := newReplicaSets(cctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ControllerName, err)
	}
	return newController(cctx, ControllerName, "replicaset", owners)
}

// NewReplicationController builds the ReplicationController controller: the
// same logic, reading and writing core/v1 ReplicationControllers.
func NewReplicationController(cctx controller.Context) (controller.Controller, error) {
	return newController(cctx, ReplicationControllerControllerName, "replicationmanager", newReplicationControllers(cctx))
}

func newController(cctx controller.Context, name, queueName string, o owners) (*Controller, error) {
	logger := cctx.Logger
	if logger == nil {
		logger = slog.Default()
	}
	podInformer := cctx.Informers.Core().V1().Pods()
	if err := addControllerIndex(podInformer.Informer()); err != nil {
		return nil, fmt.Errorf("%s: pod index: %w", name, err)
	}
	c := &Controller{
		name:       name,
		client:     cctx.Client,
		owners:     o,
		podLister:  podInformer.Lister(),
		podIndex:   podInformer.Informer().GetIndexer(),
		podsSynced: podInformer.Informer().HasSynced,
		queue:      controller.NewQueue(queueName, cctx.QueueMetrics),
		exp:        newExpectations(time.Now),
		logger:     logger.With("component", name),
		now:        time.Now,
	}
	c.recorder, c.startSink = controller.NewEventRecorder(cctx.Client, name)

	if _, err := o.informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, cur any) { c.enqueueOwner(cur) },
		DeleteFunc: c.ownerDeleted,
	}); err != nil {
		return nil, fmt.Errorf("%s: owner handler: %w", name, err)
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podAdded,
		UpdateFunc: c.podUpdated,
		DeleteFunc: c.podDeleted,
	}); err != nil {
		return nil, fmt.Errorf("%s: pod handler: %w", name, err)
	}
	return c, nil
}

// Name implements controller.Controller.
func (c *Controller) Name() string { return c.name }

// Run implements controller.Controller.
func (c *Controller) Run(ctx context.Context, workers int) error {
	stop := c.startSink()
	defer stop()
	if err := controller.WaitForCacheSync(ctx, c.name, c.owners.informer().HasSynced, c.podsSynced); err != nil {
		return err
	}
	c.logger.Info("started", "workers", workers)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

func keyOf(rs *appsv1.ReplicaSet) string { return rs.Namespace + "/" + rs.Name }

func (c *Controller) enqueueOwner(obj any) {
	if rs, ok := c.owners.fromObject(obj); ok {
		c.queue.Add(keyOf(rs))
	}
}

func (c *Controller) ownerDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if rs, ok := c.owners.fromObject(obj); ok {
		c.exp.forget(keyOf(rs))
		c.queue.Add(keyOf(rs))
	}
}

// resolveOwner returns the owner a controller reference points to, if it
// is one of ours and still the same object (UID).
func (c *Controller) resolveOwner(namespace string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	gvk := c.owners.gvk()
	if ref == nil || ref.Kind != gvk.Kind || ref.APIVersion != gvk.GroupVersion().String() {
		return nil
	}
	rs, err := c.owners.get(namespace, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// matchingOwners lists the owners whose selector matches an orphan pod.
func (c *Controller) matchingOwners(pod *v1.Pod) []*appsv1.ReplicaSet {
	all, err := c.owners.list(pod.Namespace)
	if err != nil {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range all {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(pod.Labels)) {
			out = append(out, rs)
		}
	}
	return out
}

func (c *Controller) podAdded(obj any) {
	pod := obj.(*v1.Pod)
	if pod.DeletionTimestamp != nil {
		// Seen for the first time already terminating (after a restart).
		c.podDeleted(pod)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		if rs := c.resolveOwner(pod.Namespace, ref); rs != nil {
			c.exp.creationObserved(keyOf(rs))
			c.queue.Add(keyOf(rs))
		}
		return
	}
	for _, rs := range c.matchingOwners(pod) {
		c.queue.Add(keyOf(rs))
	}
}

func (c *Controller) podUpdated(oldObj, curObj any) {
	old, cur := oldObj.(*v1.Pod), curObj.(*v1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
		// A terminating pod is as good as gone for counting.
		c.podDeleted(cur)
		if labels.Equals(old.Labels, cur.Labels) {
			return
		}
	}
	oldRef, curRef := metav1.GetControllerOf(old), metav1.GetControllerOf(cur)
	if oldRef != nil && (curRef == nil || oldRef.UID != curRef.UID) {
		if rs := c.resolveOwner(old.Namespace, oldRef); rs != nil {
			c.queue.Add(keyOf(rs))
		}
	}
	if curRef != nil {
		if rs := c.resolveOwner(cur.Namespace, curRef); rs != nil {
			c.queue.Add(keyOf(rs))
			// Becoming available happens minReadySeconds after becoming
			// ready, without any further event.
			if !podReady(old) && podReady(cur) && rs.Spec.MinReadySeconds > 0 {
				c.queue.AddAfter(keyOf(rs), time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
			}
		}
		return
	}
	if !labels.Equals(old.Labels, cur.Labels) || oldRef != nil {
		for _, rs := range c.matchingOwners(cur) {
			c.queue.Add(keyOf(rs))
		}
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return
	}
	if rs := c.resolveOwner(pod.Namespace, metav1.GetControllerOf(pod)); rs != nil {
		c.exp.deletionObserved(keyOf(rs), pod.UID)
		c.queue.Add(keyOf(rs))
	}
}

// Reconcile syncs one owner: claim pods, create/delete towards replicas,
// write status.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	rs, err := c.owners.get(namespace, name)
	if apierrors.IsNotFound(err) {
		c.exp.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil || selector.Empty() {
		c.logger.Warn("invalid or empty selector, not managing pods", "key", key, "err", err)
		return nil
	}
	needsSync := c.exp.satisfied(key)

	// Only pods rs controls and orphans can be claimed: reading those two
	// index entries keeps a sync independent of the namespace's size.
	all, err := c.podsOf(rs.UID)
	if err != nil {
		return err
	}
	orphans, err := c.orphanPods(namespace)
	if err != nil {
		return err
	}
	all = append(all, orphans...)
	var active []*v1.Pod
	for _, p := range all {
		if podActive(p) {
			active = append(active, p)
		}
	}
	owned, err := c.claimPods(ctx, rs, selector, active)
	if err != nil {
		return err
	}

	var manageErr error
	diff := len(owned) - int(replicasOf(rs))
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manageReplicas(ctx, rs, owned, diff)
	}

	now := c.now()
	status := calculateStatus(rs, owned, manageErr, diff, now)
	if statusChanged(rs.Status, status) {
		if err := c.owners.updateStatus(ctx, rs, status); err != nil {
			if apierrors.IsNotFound(err) {
				return manageErr
			}
			return fmt.Errorf("update status of %s: %w", key, err)
		}
	}
	if manageErr != nil {
		return manageErr
	}
	if rs.Spec.MinReadySeconds > 0 && status.ReadyReplicas == replicasOf(rs) && status.AvailableReplicas != status.ReadyReplicas {
		return controller.RequeueAfter(time.Duration(rs.Spec.MinReadySeconds)*time.Second, "waiting for pods to become available")
	}
	return nil
}

func replicasOf(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}
