package serviceaccount

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/nauta/nauta/internal/controller"
)

// ControllerName is this controller's name, as upstream spells it.
const ControllerName = "serviceaccount-controller"

// DefaultServiceAccountName is the account every namespace gets.
const DefaultServiceAccountName = "default"

// Controller keeps the default ServiceAccount in every active namespace.
type Controller struct {
	*controller.NamespacedPublisher
	client   kubernetes.Interface
	saLister corelisters.ServiceAccountLister
}

var _ controller.Controller = (*Controller)(nil)
var _ controller.Reconciler = (*Controller)(nil)

// New registers the namespace and service account informers. Keys are
// namespace names.
func New(cctx controller.Context) (controller.Controller, error) {
	saInformer := cctx.Informers.Core().V1().ServiceAccounts()
	c := &Controller{
		client:   cctx.Client,
		saLister: saInformer.Lister(),
	}
	publisher, err := controller.NewNamespacedPublisher(cctx, controller.PublisherOptions{
		Name:       ControllerName,
		QueueName:  "serviceaccount",
		ObjectName: DefaultServiceAccountName,
		Objects:    saInformer.Informer(),
	}, c)
	if err != nil {
		return nil, err
	}
	c.NamespacedPublisher = publisher
	return c, nil
}

// Reconcile creates the default ServiceAccount in namespace if it needs one.
func (c *Controller) Reconcile(ctx context.Context, namespace string) error {
	ns, err := c.Namespaces().Get(namespace)
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
		c.Logger().Info("created service account", "namespace", namespace, "name", DefaultServiceAccountName)
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
