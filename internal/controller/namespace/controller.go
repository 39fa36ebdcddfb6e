package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "namespace-controller"

// resyncPeriod re-examines terminating namespaces even without events, like
// upstream's --namespace-sync-period.
const resyncPeriod = 5 * time.Minute

// Controller empties and finalizes deleted namespaces.
type Controller struct {
	client   kubernetes.Interface
	metadata metadata.Interface
	lister   corelisters.NamespaceLister
	synced   cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	logger   *slog.Logger
	now      func() time.Time
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the namespace informer and returns the controller.
func New(cctx controller.Context) (controller.Controller, error) {
	informer := cctx.Informers.Core().V1().Namespaces()
	c := &Controller{
		client:   cctx.Client,
		metadata: cctx.Metadata,
		lister:   informer.Lister(),
		synced:   informer.Informer().HasSynced,
		queue:    controller.NewQueue("namespace", cctx.QueueMetrics),
		logger:   cctx.Logger.With("controller", ControllerName),
		now:      time.Now,
	}
	enqueue := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		ns, ok := obj.(*v1.Namespace)
		if !ok || ns.DeletionTimestamp == nil {
			return
		}
		c.queue.Add(ns.Name)
	}
	_, err := informer.Informer().AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}, resyncPeriod)
	if err != nil {
		return nil, fmt.Errorf("%s: add event handler: %w", ControllerName, err)
	}
	return c, nil
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced); err != nil {
		return err
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile drives one deleted namespace towards removal. It returns a
// *controller.RequeueAfterError while content is still going away.
func (c *Controller) Reconcile(ctx context.Context, name string) error {
	cached, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if cached.DeletionTimestamp == nil || !hasFinalizer(cached.Spec.Finalizers, v1.FinalizerKubernetes) {
		return nil
	}

	// Other actors edit terminating namespaces too (status, other
	// finalizers): work from the API server's current copy, not the cache.
	ns, err := c.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get namespace %s: %w", name, err)
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	ns, err = c.ensureTerminating(ctx, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !hasFinalizer(ns.Spec.Finalizers, v1.FinalizerKubernetes) {
		return nil
	}

	estimate, err := c.deleteContent(ctx, ns)
	if err != nil {
		return fmt.Errorf("delete content of namespace %s: %w", name, err)
	}
	if estimate > 0 {
		return controller.RequeueAfter(requeueDelay(estimate),
			fmt.Sprintf("content remains in namespace %s, estimate %d seconds before it is removed", name, estimate))
	}
	if err := c.finalize(ctx, ns); err != nil {
		return fmt.Errorf("finalize namespace %s: %w", name, err)
	}
	c.logger.Info("namespace finalized", "namespace", name)
	return nil
}
