package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "deployment-controller"

var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// Controller rolls Deployments out through ReplicaSets.
type Controller struct {
	client    kubernetes.Interface
	dLister   appslisters.DeploymentLister
	rsLister  appslisters.ReplicaSetLister
	podLister corelisters.PodLister
	// written holds status writes the informer has not shown yet.
	written   *controller.OwnWrites[*appsv1.Deployment]
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder
	startSink func() func()
	logger    *slog.Logger
	now       func() time.Time
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the deployment, replica set and pod informers.
func New(cctx controller.Context) (controller.Controller, error) {
	logger := cctx.Logger
	if logger == nil {
		logger = slog.Default()
	}
	dInf := cctx.Informers.Apps().V1().Deployments()
	rsInf := cctx.Informers.Apps().V1().ReplicaSets()
	podInf := cctx.Informers.Core().V1().Pods()
	c := &Controller{
		client:    cctx.Client,
		dLister:   dInf.Lister(),
		rsLister:  rsInf.Lister(),
		podLister: podInf.Lister(),
		synced:    []cache.InformerSynced{dInf.Informer().HasSynced, rsInf.Informer().HasSynced, podInf.Informer().HasSynced},
		queue:     controller.NewQueue("deployment", cctx.QueueMetrics),
		logger:    logger.With("component", ControllerName),
		now:       time.Now,
	}
	c.recorder, c.startSink = controller.NewEventRecorder(cctx.Client, ControllerName)
	written, err := controller.NewOwnWrites[*appsv1.Deployment](dInf.Informer())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ControllerName, err)
	}
	c.written = written

	if _, err := dInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
		DeleteFunc: c.enqueue,
	}); err != nil {
		return nil, fmt.Errorf("%s: deployment handler: %w", ControllerName, err)
	}
	if _, err := rsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.rsChanged,
		UpdateFunc: c.rsUpdated,
		DeleteFunc: c.rsChanged,
	}); err != nil {
		return nil, fmt.Errorf("%s: replica set handler: %w", ControllerName, err)
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.podDeleted,
	}); err != nil {
		return nil, fmt.Errorf("%s: pod handler: %w", ControllerName, err)
	}
	return c, nil
}

// Name implements controller.Controller.
func (c *Controller) Name() string { return ControllerName }

// Run implements controller.Controller.
func (c *Controller) Run(ctx context.Context, workers int) error {
	stop := c.startSink()
	defer stop()
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	c.logger.Info("started", "workers", workers)
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

func unwrapTombstone(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

func (c *Controller) enqueue(obj any) {
	if d, ok := unwrapTombstone(obj).(*appsv1.Deployment); ok {
		c.queue.Add(d.Namespace + "/" + d.Name)
	}
}

// ownerOf returns the deployment a controller reference points to.
func (c *Controller) ownerOf(namespace string, ref *metav1.OwnerReference) *appsv1.Deployment {
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	d, err := c.dLister.Deployments(namespace).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil
	}
	return d
}

// deploymentsMatching lists the deployments whose selector matches lbls.
func (c *Controller) deploymentsMatching(namespace string, lbls map[string]string) []*appsv1.Deployment {
	ds, err := c.dLister.Deployments(namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.Deployment
	for _, d := range ds {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(lbls)) {
			out = append(out, d)
		}
	}
	return out
}

func (c *Controller) rsChanged(obj any) {
	rs, ok := unwrapTombstone(obj).(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if d := c.ownerOf(rs.Namespace, ref); d != nil {
			c.enqueue(d)
		}
		return
	}
	for _, d := range c.deploymentsMatching(rs.Namespace, rs.Labels) {
		c.enqueue(d)
	}
}

func (c *Controller) rsUpdated(oldObj, curObj any) {
	old, cur := oldObj.(*appsv1.ReplicaSet), curObj.(*appsv1.ReplicaSet)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	oldRef, curRef := metav1.GetControllerOf(old), metav1.GetControllerOf(cur)
	if oldRef != nil && (curRef == nil || oldRef.UID != curRef.UID) {
		if d := c.ownerOf(old.Namespace, oldRef); d != nil {
			c.enqueue(d)
		}
	}
	c.rsChanged(cur)
}

// podDeleted wakes a Recreate deployment waiting for its old pods to go.
func (c *Controller) podDeleted(obj any) {
	pod, ok := unwrapTombstone(obj).(*v1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, err := c.rsLister.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return
	}
	if d := c.ownerOf(rs.Namespace, metav1.GetControllerOf(rs)); d != nil && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		c.enqueue(d)
	}
}

// Reconcile syncs one deployment.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.dLister.Deployments(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := c.written.Latest(cached).DeepCopy()

	if d.Spec.Selector == nil || reflect.DeepEqual(d.Spec.Selector, &metav1.LabelSelector{}) {
		c.recorder.Eventf(d, v1.EventTypeWarning, EventSelectingAll, "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			_, err := c.writeStatus(ctx, d)
			return err
		}
		return nil
	}

	rsList, err := c.claimReplicaSets(ctx, d)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		return c.syncStatusOnly(ctx, d, rsList)
	}
	if err := c.checkPausedConditions(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return c.sync(ctx, d, rsList)
	}
	scaling, err := c.isScalingEvent(ctx, d, rsList)
	if err != nil {
		return err
	}
	if scaling {
		return c.sync(ctx, d, rsList)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		pods, err := c.podsByReplicaSet(d, rsList)
		if err != nil {
			return err
		}
		return c.rolloutRecreate(ctx, d, rsList, pods)
	}
	return c.rolloutRolling(ctx, d, rsList)
}

// podsByReplicaSet groups the deployment's pods by the ReplicaSet owning them.
func (c *Controller) podsByReplicaSet(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) (map[types.UID][]*v1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	pods, err := c.podLister.Pods(d.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	out := map[types.UID][]*v1.Pod{}
	for _, rs := range rsList {
		out[rs.UID] = nil
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			continue
		}
		if _, ok := out[ref.UID]; ok {
			out[ref.UID] = append(out[ref.UID], p)
		}
	}
	return out, nil
}

// checkPausedConditions records pausing and resuming in the Progressing
// condition, so the progress deadline does not count paused time.
func (c *Controller) checkPausedConditions(ctx context.Context, d *appsv1.Deployment) error {
	if !hasProgressDeadline(d) {
		return nil
	}
	cond := getCondition(d.Status, appsv1.DeploymentProgressing)
	if cond != nil && cond.Reason == ReasonProgressDeadlineExceeded {
		return nil
	}
	pausedExists := cond != nil && cond.Reason == ReasonDeploymentPaused
	switch {
	case d.Spec.Paused && !pausedExists:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionUnknown, ReasonDeploymentPaused, "Deployment is paused", c.now()))
	case !d.Spec.Paused && pausedExists:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionUnknown, ReasonDeploymentResumed, "Deployment is resumed", c.now()))
	default:
		return nil
	}
	updated, err := c.writeStatus(ctx, d)
	if err != nil {
		return err
	}
	*d = *updated.DeepCopy()
	return nil
}

// writeStatus writes d's status and remembers the result until the
// informer shows it (see controller.OwnWrites). The result is read-only.
func (c *Controller) writeStatus(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	basedOn := d.ResourceVersion
	updated, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	c.written.Wrote(basedOn, updated)
	return updated, nil
}
