package serviceaccount

import (
	"context"
	"fmt"
	"log/slog"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "serviceaccount-controller"

// DefaultServiceAccountName is the account every namespace gets.
const DefaultServiceAccountName = "default"

// Controller keeps the default ServiceAccount in every active namespace.
type Controller struct {
	client   kubernetes.Interface
	nsLister corelisters.NamespaceLister
	saLister corelisters.ServiceAccountLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	logger   *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the namespace and service account informers. Keys are
// namespace names.
func New(cctx controller.Context) (controller.Controller, error) {
	nsInformer := cctx.Informers.Core().V1().Namespaces()
	saInformer := cctx.Informers.Core().V1().ServiceAccounts()
	c := &Controller{
		client:   cctx.Client,
		nsLister: nsInformer.Lister(),
		saLister: saInformer.Lister(),
		synced:   []cache.InformerSynced{nsInformer.Informer().HasSynced, saInformer.Informer().HasSynced},
		queue:    controller.NewQueue("serviceaccount", cctx.QueueMetrics),
		logger:   cctx.Logger.With("controller", ControllerName),
	}
	if _, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNamespace,
		UpdateFunc: func(_, obj any) { c.enqueueNamespace(obj) },
	}); err != nil {
		return nil, fmt.Errorf("%s: add namespace handler: %w", ControllerName, err)
	}
	if _, err := saInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.enqueueServiceAccountNamespace,
	}); err != nil {
		return nil, fmt.Errorf("%s: add service account handler: %w", ControllerName, err)
	}
	return c, nil
}

func (c *Controller) enqueueNamespace(obj any) {
	if ns, ok := obj.(*v1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

func (c *Controller) enqueueServiceAccountNamespace(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if sa, ok := obj.(*v1.ServiceAccount); ok && sa.Name == DefaultServiceAccountName {
		c.queue.Add(sa.Namespace)
	}
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) Run(ctx context.Context, workers int) error {
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile creates the default ServiceAccount in namespace if it needs one.
func (c *Controller) Reconcile(ctx context.Context, namespace string) error {
	ns, err := c.nsLister.Get(namespace)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.saLister.ServiceAccounts(namespace).Get(DefaultServiceAccountName)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if !needsDefaultServiceAccount(ns, exists) {
		return nil
	}

	sa := &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: DefaultServiceAccountName}}
	_, err = c.client.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{})
	switch {
	case err == nil:
		c.logger.Info("created service account", "namespace", namespace, "name", DefaultServiceAccountName)
		return nil
	case apierrors.IsAlreadyExists(err):
		// The cache was behind; the account is there.
		return nil
	case apierrors.IsNotFound(err), apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause):
		// The namespace went away or started terminating meanwhile.
		return nil
	default:
		return fmt.Errorf("create service account %s/%s: %w", namespace, DefaultServiceAccountName, err)
	}
}

// needsDefaultServiceAccount decides whether to create the account: only in
// an active namespace that does not have it.
func needsDefaultServiceAccount(ns *v1.Namespace, exists bool) bool {
	return !exists && controller.NamespaceActive(ns)
}
