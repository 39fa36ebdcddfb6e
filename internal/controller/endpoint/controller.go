package endpoint

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "endpoint-controller"

// LabelManagedBy marks Endpoints written by this controller, with
// ControllerName as value, as upstream does.
const LabelManagedBy = "endpoints.kubernetes.io/managed-by"

// maxCapacity is the most addresses one Endpoints object carries; beyond it
// the list is truncated and the over-capacity annotation set.
const maxCapacity = 1000

// Controller keeps one Endpoints object per Service with a selector.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	logger    *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the service, pod and endpoints informers. Keys are
// "namespace/name" of Services.
func New(cctx controller.Context) (controller.Controller, error) {
	svcInformer := cctx.Informers.Core().V1().Services()
	podInformer := cctx.Informers.Core().V1().Pods()
	epInformer := cctx.Informers.Core().V1().Endpoints()
	c := &Controller{
		client:    cctx.Client,
		services:  svcInformer.Lister(),
		pods:      podInformer.Lister(),
		endpoints: epInformer.Lister(),
		synced: []cache.InformerSynced{
			svcInformer.Informer().HasSynced, podInformer.Informer().HasSynced, epInformer.Informer().HasSynced,
		},
		queue:  controller.NewQueue("endpoint", cctx.QueueMetrics),
		logger: cctx.Logger.With("controller", ControllerName),
	}
	if err := addHandlers(c.queue, c.services, svcInformer.Informer(), podInformer.Informer()); err != nil {
		return nil, fmt.Errorf("%s: %w", ControllerName, err)
	}
	// A changed or deleted Endpoints object is re-checked against its Service.
	if _, err := epInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { controller.EnqueueKey(c.queue, obj) },
		DeleteFunc: func(obj any) { controller.EnqueueKey(c.queue, obj) },
	}); err != nil {
		return nil, fmt.Errorf("%s: add endpoints handler: %w", ControllerName, err)
	}
	return c, nil
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	// Endpoints left behind by Services deleted while no controller ran.
	if leftovers, err := c.endpoints.List(labels.Everything()); err == nil {
		for _, ep := range leftovers {
			if managed(ep) {
				c.queue.Add(ep.Namespace + "/" + ep.Name)
			}
		}
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// managed says whether this controller wrote ep: it carries our managed-by
// label or the trigger-time annotation only the controller sets.
func managed(ep *v1.Endpoints) bool {
	if ep.Labels[LabelManagedBy] == ControllerName {
		return true
	}
	_, ok := ep.Annotations[v1.EndpointsLastChangeTriggerTime]
	return ok
}

// Reconcile converges the Endpoints of the Service named by key.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// The Service is gone: so goes the Endpoints object we wrote for it.
		// Endpoints someone else wrote without a Service are left alone.
		ep, gerr := c.endpoints.Endpoints(namespace).Get(name)
		if gerr != nil || !managed(ep) {
			return nil
		}
		err = c.client.CoreV1().Endpoints(namespace).Delete(ctx, name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &ep.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete endpoints %s: %w", key, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !Selectable(svc) || svc.DeletionTimestamp != nil {
		return nil
	}
	pods, err := c.pods.Pods(namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}

	current, err := c.endpoints.Endpoints(namespace).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if apierrors.IsNotFound(err) {
		current = nil
	}
	want := DesiredEndpoints(svc, pods, current)
	if want == nil {
		return nil
	}
	if current == nil {
		_, err = c.client.CoreV1().Endpoints(namespace).Create(ctx, want, metav1.CreateOptions{})
		switch {
		case err == nil:
			c.logger.Debug("created endpoints", "key", key)
			return nil
		case apierrors.IsAlreadyExists(err):
			// The cache is behind; the update event requeues the key.
			return nil
		case apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause), apierrors.IsNotFound(err):
			return nil
		default:
			return fmt.Errorf("create endpoints %s: %w", key, err)
		}
	}
	_, err = c.client.CoreV1().Endpoints(namespace).Update(ctx, want, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update endpoints %s: %w", key, err)
	}
	c.logger.Debug("updated endpoints", "key", key)
	return nil
}

// DesiredEndpoints returns the Endpoints object to write for svc given its
// pods and the current object (nil when there is none), or nil when the
// current object is already right.
func DesiredEndpoints(svc *v1.Service, pods []*v1.Pod, current *v1.Endpoints) *v1.Endpoints {
	subsets := DesiredSubsets(svc, pods)
	subsets, truncated := truncate(subsets, maxCapacity)

	wantLabels := map[string]string{}
	maps.Copy(wantLabels, svc.Labels)
	wantLabels[LabelManagedBy] = ControllerName
	if svc.Spec.ClusterIP == v1.ClusterIPNone {
		wantLabels[v1.IsHeadlessService] = ""
	} else {
		delete(wantLabels, v1.IsHeadlessService)
	}

	if current != nil {
		_, wasTruncated := current.Annotations[v1.EndpointsOverCapacity]
		if apiequality.Semantic.DeepEqual(normalize(current.Subsets), normalize(subsets)) &&
			maps.Equal(current.Labels, wantLabels) && wasTruncated == truncated {
			return nil
		}
	}

	var want *v1.Endpoints
	if current != nil {
		want = current.DeepCopy()
	} else {
		want = &v1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace}}
	}
	want.Subsets = subsets
	want.Labels = wantLabels
	if want.Annotations == nil {
		want.Annotations = map[string]string{}
	}
	if t := TriggerTime(svc, pods); !t.IsZero() {
		want.Annotations[v1.EndpointsLastChangeTriggerTime] = t.UTC().Format(time.RFC3339Nano)
	} else {
		delete(want.Annotations, v1.EndpointsLastChangeTriggerTime)
	}
	if truncated {
		want.Annotations[v1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(want.Annotations, v1.EndpointsOverCapacity)
	}
	return want
}

// normalize treats nil and empty slices alike for comparison.
func normalize(subsets []v1.EndpointSubset) []v1.EndpointSubset {
	if len(subsets) == 0 {
		return nil
	}
	return subsets
}

// truncate keeps at most max addresses over all subsets, ready ones first.
func truncate(subsets []v1.EndpointSubset, max int) ([]v1.EndpointSubset, bool) {
	total := 0
	for _, s := range subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= max {
		return subsets, false
	}
	left := max
	out := make([]v1.EndpointSubset, 0, len(subsets))
	for _, s := range subsets {
		n := min(left, len(s.Addresses))
		s.Addresses = s.Addresses[:n]
		left -= n
		out = append(out, s)
	}
	for i := range out {
		n := min(left, len(out[i].NotReadyAddresses))
		out[i].NotReadyAddresses = out[i].NotReadyAddresses[:n]
		left -= n
	}
	kept := out[:0]
	for _, s := range out {
		if len(s.Addresses)+len(s.NotReadyAddresses) > 0 {
			kept = append(kept, s)
		}
	}
	return kept, true
}
