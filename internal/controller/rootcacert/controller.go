package rootcacert

import (
	"context"
	"fmt"
	"log/slog"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "root-ca-certificate-publisher-controller"

// Controller publishes the root CA ConfigMap in every active namespace.
type Controller struct {
	client   kubernetes.Interface
	rootCA   []byte
	nsLister corelisters.NamespaceLister
	cmLister corelisters.ConfigMapLister
	// cmInformer is private to this controller and run by Run.
	cmInformer cache.SharedIndexInformer
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	logger     *slog.Logger
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the namespace and ConfigMap informers. It is disabled when
// there is no CA to publish. Keys are namespace names.
func New(cctx controller.Context) (controller.Controller, error) {
	if len(cctx.RootCA) == 0 {
		return nil, fmt.Errorf("%s: no root CA configured: %w", ControllerName, controller.ErrDisabled)
	}
	nsInformer := cctx.Informers.Core().V1().Namespaces()
	// Only the kube-root-ca.crt ConfigMaps matter: a private informer
	// filtered by name keeps every other ConfigMap of the cluster out of
	// this process's memory (the shared factory's would cache them all).
	cmInformer := coreinformers.NewFilteredConfigMapInformer(cctx.Client, metav1.NamespaceAll, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
		func(opts *metav1.ListOptions) {
			opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", ConfigMapName).String()
		})
	c := &Controller{
		client:     cctx.Client,
		rootCA:     cctx.RootCA,
		nsLister:   nsInformer.Lister(),
		cmLister:   corelisters.NewConfigMapLister(cmInformer.GetIndexer()),
		cmInformer: cmInformer,
		synced:     []cache.InformerSynced{nsInformer.Informer().HasSynced, cmInformer.HasSynced},
		queue:      controller.NewQueue("root_ca_cert_publisher", cctx.QueueMetrics),
		logger:     cctx.Logger.With("controller", ControllerName),
	}
	if _, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNamespace,
		UpdateFunc: func(_, obj any) { c.enqueueNamespace(obj) },
	}); err != nil {
		return nil, fmt.Errorf("%s: add namespace handler: %w", ControllerName, err)
	}
	if _, err := cmInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { c.enqueueConfigMapNamespace(obj) },
		DeleteFunc: c.enqueueConfigMapNamespace,
	}); err != nil {
		return nil, fmt.Errorf("%s: add configmap handler: %w", ControllerName, err)
	}
	return c, nil
}

func (c *Controller) enqueueNamespace(obj any) {
	if ns, ok := obj.(*v1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

func (c *Controller) enqueueConfigMapNamespace(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if cm, ok := obj.(*v1.ConfigMap); ok && cm.Name == ConfigMapName {
		c.queue.Add(cm.Namespace)
	}
}

func (c *Controller) Name() string { return ControllerName }

func (c *Controller) Run(ctx context.Context, workers int) error {
	go c.cmInformer.RunWithContext(ctx)
	if err := controller.WaitForCacheSync(ctx, ControllerName, c.synced...); err != nil {
		return err
	}
	controller.RunWorkers(ctx, c.logger, c.queue, workers, c)
	return nil
}

// Reconcile makes kube-root-ca.crt in namespace exist and be current.
func (c *Controller) Reconcile(ctx context.Context, namespace string) error {
	ns, err := c.nsLister.Get(namespace)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !controller.NamespaceActive(ns) {
		return nil
	}

	existing, err := c.cmLister.ConfigMaps(namespace).Get(ConfigMapName)
	if apierrors.IsNotFound(err) {
		_, err = c.client.CoreV1().ConfigMaps(namespace).Create(ctx, newConfigMap(c.rootCA), metav1.CreateOptions{})
		switch {
		case err == nil:
			c.logger.Info("published root CA", "namespace", namespace)
			return nil
		case apierrors.IsNotFound(err), apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause):
			// The namespace went away or started terminating meanwhile.
			return nil
		default:
			// AlreadyExists included: the cache is behind, and the copy
			// there may be stale, so look again once the cache has it.
			return fmt.Errorf("create %s/%s: %w", namespace, ConfigMapName, err)
		}
	}
	if err != nil {
		return err
	}

	update := updatedConfigMap(existing, c.rootCA)
	if update == nil {
		return nil
	}
	_, err = c.client.CoreV1().ConfigMaps(namespace).Update(ctx, update, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		// Deleted meanwhile: the delete event queues us again.
		return nil
	}
	if err != nil {
		return fmt.Errorf("update %s/%s: %w", namespace, ConfigMapName, err)
	}
	c.logger.Info("updated root CA", "namespace", namespace)
	return nil
}
