package namespace

import (
	"context"
	"errors"
	"fmt"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// ensureTerminating sets status.phase to Terminating on a deleted namespace
// (the API server normally did already), retrying on conflicts.
func (c *Controller) ensureTerminating(ctx context.Context, ns *v1.Namespace) (*v1.Namespace, error) {
	for {
		if ns.DeletionTimestamp == nil || ns.Status.Phase == v1.NamespaceTerminating {
			return ns, nil
		}
		update := ns.DeepCopy()
		update.Status.Phase = v1.NamespaceTerminating
		updated, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, update, metav1.UpdateOptions{})
		if err == nil {
			return updated, nil
		}
		if !apierrors.IsConflict(err) {
			return nil, fmt.Errorf("mark namespace %s terminating: %w", ns.Name, err)
		}
		if ns, err = c.refetch(ctx, ns); err != nil {
			return nil, err
		}
	}
}

// refetch re-reads ns after a conflict; a different UID means the
// namespace was deleted and re-created, which ends this pass.
func (c *Controller) refetch(ctx context.Context, ns *v1.Namespace) (*v1.Namespace, error) {
	latest, err := c.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if latest.UID != ns.UID {
		return nil, apierrors.NewNotFound(v1.Resource("namespaces"), ns.Name)
	}
	return latest, nil
}

// deleteContent deletes everything in ns and records the outcome in its
// status conditions. It returns the estimated seconds until leftovers are
// gone (0: nothing left) and an error when something could not be done;
// the namespace may be finalized only when both are zero.
func (c *Controller) deleteContent(ctx context.Context, ns *v1.Namespace) (int64, error) {
	var rep report
	var errs []error

	// A partial discovery result still lets us delete most content; the
	// failure is reported and blocks finalization until discovery works.
	lists, err := discovery.ServerPreferredNamespacedResourcesWithContext(ctx, discovery.ToDiscoveryInterfaceWithContext(c.client.Discovery()))
	if err != nil {
		rep.DiscoveryErr = err
		errs = append(errs, err)
	}
	targets, err := deletionTargets(lists)
	if err != nil {
		rep.GroupVersionErr = err
		errs = append(errs, err)
	}

	rep.Remaining = map[schema.GroupVersionResource]int{}
	rep.Finalizers = map[string]int{}
	var estimate int64
	for _, t := range targets {
		left, err := c.deleteResource(ctx, ns, t)
		if err != nil {
			rep.ContentErrs = append(rep.ContentErrs, err)
			errs = append(errs, err)
		}
		estimate = max(estimate, left.Estimate)
		if left.Count > 0 {
			rep.Remaining[t.GVR] = left.Count
			for f, n := range left.Finalizers {
				rep.Finalizers[f] += n
			}
		}
	}

	// Always write the conditions: a condition that was failing must show
	// it recovered, even if this pass does not finalize.
	conditions, changed := mergeConditions(ns.Status.Conditions, conditionsFor(rep), metav1.NewTime(c.now()))
	if changed {
		update := ns.DeepCopy()
		update.Status.Conditions = conditions
		if _, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, update, metav1.UpdateOptions{}); err != nil {
			// Not fatal: the next pass writes them again.
			c.logger.Warn("update namespace conditions", "namespace", ns.Name, "err", err)
		}
	}
	return estimate, errors.Join(errs...)
}

// deleteResource empties one resource in ns and reports what is left.
func (c *Controller) deleteResource(ctx context.Context, ns *v1.Namespace, t target) (remaining, error) {
	var grace int64
	if t.GVR.GroupResource() == podsResource {
		pods, err := c.client.CoreV1().Pods(ns.Name).List(ctx, metav1.ListOptions{})
		if err != nil {
			return remaining{}, fmt.Errorf("estimate pod termination in %s: %w", ns.Name, err)
		}
		grace = podGraceEstimate(pods.Items, ns.DeletionTimestamp.Time, c.now())
	}

	// Background propagation: the controller removes everything itself,
	// so the garbage collector must not add the orphan finalizer.
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	client := c.metadata.Resource(t.GVR).Namespace(ns.Name)

	deleteEach := !t.DeleteCollection
	if t.DeleteCollection {
		err := client.DeleteCollection(ctx, opts, metav1.ListOptions{})
		switch {
		case err == nil:
		case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
			// Discovery promised more than the server does: fall back.
			deleteEach = t.List
		default:
			return remaining{Estimate: grace}, fmt.Errorf("delete collection %s: %w", t.GVR, err)
		}
	}
	if !t.List {
		return remaining{Estimate: grace}, nil
	}

	list, err := client.List(ctx, metav1.ListOptions{})
	if apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err) {
		return remaining{Estimate: grace}, nil
	}
	if err != nil {
		return remaining{Estimate: grace}, fmt.Errorf("list %s: %w", t.GVR, err)
	}
	if deleteEach {
		for i := range list.Items {
			err := client.Delete(ctx, list.Items[i].Name, opts)
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
				return remaining{Estimate: grace}, fmt.Errorf("delete %s %s: %w", t.GVR, list.Items[i].Name, err)
			}
		}
		if list, err = client.List(ctx, metav1.ListOptions{}); err != nil {
			return remaining{Estimate: grace}, fmt.Errorf("list %s: %w", t.GVR, err)
		}
	}
	return assessRemaining(t.GVR, list.Items, grace)
}

// finalize removes the "kubernetes" finalizer through the finalize
// subresource, retrying on conflicts with the latest copy.
func (c *Controller) finalize(ctx context.Context, ns *v1.Namespace) error {
	for {
		if !hasFinalizer(ns.Spec.Finalizers, v1.FinalizerKubernetes) {
			return nil
		}
		update := ns.DeepCopy()
		update.Spec.Finalizers = withoutFinalizer(ns.Spec.Finalizers, v1.FinalizerKubernetes)
		_, err := c.client.CoreV1().Namespaces().Finalize(ctx, update, metav1.UpdateOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) {
			return err
		}
		if ns, err = c.refetch(ctx, ns); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}
	}
}
