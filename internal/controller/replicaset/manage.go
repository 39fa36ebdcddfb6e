package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// slowStartInitialBatch is the first batch of a slow start: 1, 2, 4, ...
const slowStartInitialBatch = 1

// manageReplicas creates or deletes pods so that diff (active owned pods
// minus replicas) goes to zero.
func (c *Controller) manageReplicas(ctx context.Context, rs *appsv1.ReplicaSet, owned []*v1.Pod, diff int) error {
	key := keyOf(rs)
	kind := c.owners.gvk().Kind
	switch {
	case diff < 0:
		n := min(-diff, BurstReplicas)
		c.exp.expectCreations(key, n)
		c.logger.Info("too few replicas", "key", key, "kind", kind, "need", replicasOf(rs), "creating", n)
		created, err := slowStartBatch(n, slowStartInitialBatch, func() error {
			return c.createPod(ctx, rs)
		})
		// Creations that were never attempted or failed will not be
		// observed: stop expecting them.
		for range n - created {
			c.exp.creationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, BurstReplicas)
		victims := podsToDelete(owned, c.relatedPods(rs, owned), n, c.now())
		uids := make([]types.UID, 0, len(victims))
		for _, p := range victims {
			uids = append(uids, p.UID)
		}
		c.exp.expectDeletions(key, uids)
		c.logger.Info("too many replicas", "key", key, "kind", kind, "need", replicasOf(rs), "deleting", n)
		var wg sync.WaitGroup
		errs := make([]error, len(victims))
		for i, p := range victims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = c.deletePod(ctx, rs, p)
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

// relatedPods returns the active pods of every ReplicaSet controlled by the
// same owner as rs (a Deployment's old and new ReplicaSets), or owned when
// rs has no controller.
func (c *Controller) relatedPods(rs *appsv1.ReplicaSet, owned []*v1.Pod) []*v1.Pod {
	ref := metav1.GetControllerOf(rs)
	if ref == nil {
		return owned
	}
	siblings, err := c.owners.list(rs.Namespace)
	if err != nil {
		return owned
	}
	uids := map[types.UID]bool{}
	for _, s := range siblings {
		if sref := metav1.GetControllerOf(s); sref != nil && sref.UID == ref.UID {
			uids[s.UID] = true
		}
	}
	var out []*v1.Pod
	for uid := range uids {
		pods, err := c.podsOf(uid)
		if err != nil {
			return owned
		}
		for _, p := range pods {
			if podActive(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// slowStartBatch calls fn count times in growing parallel batches (1, 2, 4,
// ...), stopping after the first batch that had an error, so a systematic
// failure (quota, admission) costs a few calls instead of count. It
// returns how many calls succeeded.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining := count
	successes := 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := fn(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		failed := len(errs)
		successes += batch - failed
		if failed > 0 {
			return successes, <-errs
		}
		remaining -= batch
	}
	return successes, nil
}

// podFromTemplate builds the pod rs creates.
func podFromTemplate(rs *appsv1.ReplicaSet, gvkAPIVersion, kind string) *v1.Pod {
	t := rs.Spec.Template.DeepCopy()
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: rs.Name + "-",
			Namespace:    rs.Namespace,
			Labels:       t.Labels,
			Annotations:  t.Annotations,
			Finalizers:   t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion:         gvkAPIVersion,
				Kind:               kind,
				Name:               rs.Name,
				UID:                rs.UID,
				Controller:         ptr.To(true),
				BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: t.Spec,
	}
}

func (c *Controller) controllerRef(rs *appsv1.ReplicaSet) metav1.OwnerReference {
	gvk := c.owners.gvk()
	return metav1.OwnerReference{
		APIVersion:         gvk.GroupVersion().String(),
		Kind:               gvk.Kind,
		Name:               rs.Name,
		UID:                rs.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

func (c *Controller) createPod(ctx context.Context, rs *appsv1.ReplicaSet) error {
	gvk := c.owners.gvk()
	pod := podFromTemplate(rs, gvk.GroupVersion().String(), gvk.Kind)
	if len(pod.Labels) == 0 {
		return fmt.Errorf("unable to create pods, no labels")
	}
	created, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause) {
			// Nothing to do in a namespace that is going away.
			return nil
		}
		c.recorder.Eventf(c.eventObject(rs), v1.EventTypeWarning, EventFailedCreate, "Error creating: %v", err)
		return err
	}
	c.recorder.Eventf(c.eventObject(rs), v1.EventTypeNormal, EventSuccessfulCreate, "Created pod: %v", created.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, rs *appsv1.ReplicaSet, pod *v1.Pod) error {
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil {
		// The pod is not going to be observed deleted by us.
		c.exp.deletionObserved(keyOf(rs), pod.UID)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		c.recorder.Eventf(c.eventObject(rs), v1.EventTypeWarning, EventFailedDelete, "Error deleting: %v", err)
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	c.recorder.Eventf(c.eventObject(rs), v1.EventTypeNormal, EventSuccessfulDelete, "Deleted pod: %v", pod.Name)
	return nil
}

// eventObject is what events are attached to: a reference with the real kind.
func (c *Controller) eventObject(rs *appsv1.ReplicaSet) *v1.ObjectReference {
	gvk := c.owners.gvk()
	return &v1.ObjectReference{
		APIVersion:      gvk.GroupVersion().String(),
		Kind:            gvk.Kind,
		Namespace:       rs.Namespace,
		Name:            rs.Name,
		UID:             rs.UID,
		ResourceVersion: rs.ResourceVersion,
	}
}

// claimPods returns the active pods rs owns after adopting matching
// orphans and releasing owned pods that no longer match its selector.
func (c *Controller) claimPods(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*v1.Pod) ([]*v1.Pod, error) {
	var owned []*v1.Pod
	var errs []error
	checked := false
	var adoptErr error
	canAdopt := func() error {
		// Read the owner fresh once: adopting into an owner that is being
		// deleted would leave the pods to the garbage collector.
		if !checked {
			checked = true
			fresh, err := c.owners.fetch(ctx, rs.Namespace, rs.Name)
			switch {
			case err != nil:
				adoptErr = err
			case fresh.UID != rs.UID:
				adoptErr = fmt.Errorf("original %s %s/%s is gone: got uid %v, wanted %v", c.owners.gvk().Kind, rs.Namespace, rs.Name, fresh.UID, rs.UID)
			case fresh.DeletionTimestamp != nil:
				adoptErr = fmt.Errorf("%s %s/%s has just been deleted at %v", c.owners.gvk().Kind, rs.Namespace, rs.Name, fresh.DeletionTimestamp)
			}
		}
		return adoptErr
	}
	for _, pod := range pods {
		matches := selector.Matches(labels.Set(pod.Labels))
		switch decideClaim(rs, pod, matches) {
		case claimKeep:
			owned = append(owned, pod)
		case claimAdopt:
			if err := canAdopt(); err != nil {
				errs = append(errs, err)
				continue
			}
			err := c.adopt(ctx, rs, pod)
			switch {
			case err == nil:
				owned = append(owned, pod)
			case apierrors.IsNotFound(err):
			default:
				errs = append(errs, err)
			}
		case claimRelease:
			if err := c.release(ctx, rs, pod); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		}
	}
	return owned, errors.Join(errs...)
}

type claimDecision int

const (
	claimIgnore claimDecision = iota
	claimKeep
	claimAdopt
	claimRelease
)

// decideClaim is the ownership rule: keep owned matching pods, adopt
// matching orphans (unless either side is being deleted), release owned
// pods that stopped matching (unless rs is being deleted), and ignore pods
// of other controllers.
func decideClaim(rs *appsv1.ReplicaSet, pod *v1.Pod, matches bool) claimDecision {
	ref := metav1.GetControllerOf(pod)
	if ref != nil {
		if ref.UID != rs.UID {
			return claimIgnore
		}
		if matches {
			return claimKeep
		}
		if rs.DeletionTimestamp != nil {
			return claimIgnore
		}
		return claimRelease
	}
	if !matches || rs.DeletionTimestamp != nil || pod.DeletionTimestamp != nil {
		return claimIgnore
	}
	return claimAdopt
}

func (c *Controller) adopt(ctx context.Context, rs *appsv1.ReplicaSet, pod *v1.Pod) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"ownerReferences": []metav1.OwnerReference{c.controllerRef(rs)},
			"uid":             pod.UID,
		},
	})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err == nil {
		c.logger.Info("adopted pod", "pod", pod.Namespace+"/"+pod.Name, "owner", keyOf(rs))
	}
	return err
}

func (c *Controller) release(ctx context.Context, rs *appsv1.ReplicaSet, pod *v1.Pod) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"ownerReferences": []map[string]any{{"$patch": "delete", "uid": rs.UID}},
			"uid":             pod.UID,
		},
	})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err == nil {
		c.logger.Info("released pod", "pod", pod.Namespace+"/"+pod.Name, "owner", keyOf(rs))
	}
	return err
}
