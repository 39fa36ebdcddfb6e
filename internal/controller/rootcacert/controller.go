package rootcacert

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "root-ca-certificate-publisher-controller"

// Controller publishes the root CA ConfigMap in every active namespace.
type Controller struct {
	*controller.NamespacedPublisher
	client   kubernetes.Interface
	rootCA   []byte
	cmLister corelisters.ConfigMapLister
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the namespace and ConfigMap informers. It is disabled when
// there is no CA to publish. Keys are namespace names.
func New(cctx controller.Context) (controller.Controller, error) {
	if len(cctx.RootCA) == 0 {
		return nil, fmt.Errorf("%s: no root CA configured: %w", ControllerName, controller.ErrDisabled)
	}
	// Only the kube-root-ca.crt ConfigMaps matter: a private informer
	// filtered by name keeps every other ConfigMap of the cluster out of
	// this process's memory (the shared factory's would cache them all).
	cmInformer := coreinformers.NewFilteredConfigMapInformer(cctx.Client, metav1.NamespaceAll, 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
		func(opts *metav1.ListOptions) {
			opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", ConfigMapName).String()
		})
	c := &Controller{
		client:   cctx.Client,
		rootCA:   cctx.RootCA,
		cmLister: corelisters.NewConfigMapLister(cmInformer.GetIndexer()),
	}
	publisher, err := controller.NewNamespacedPublisher(cctx, controller.PublisherOptions{
		Name:            ControllerName,
		QueueName:       "root_ca_cert_publisher",
		ObjectName:      ConfigMapName,
		Objects:         cmInformer,
		PrivateObjects:  true,
		RequeueOnUpdate: true,
	}, c)
	if err != nil {
		return nil, err
	}
	c.NamespacedPublisher = publisher
	return c, nil
}

// Reconcile makes kube-root-ca.crt in namespace exist and be current.
func (c *Controller) Reconcile(ctx context.Context, namespace string) error {
	ns, err := c.Namespaces().Get(namespace)
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
			c.Logger().Info("published root CA", "namespace", namespace)
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
	c.Logger().Info("updated root CA", "namespace", namespace)
	return nil
}
