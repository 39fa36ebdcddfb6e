package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func controllerRef(d *appsv1.Deployment) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         controllerKind.GroupVersion().String(),
		Kind:               controllerKind.Kind,
		Name:               d.Name,
		UID:                d.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

// claimReplicaSets returns the ReplicaSets d owns, adopting matching
// orphans and releasing owned ones that no longer match its selector.
func (c *Controller) claimReplicaSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s has invalid selector: %w", d.Namespace, d.Name, err)
	}
	all, err := c.rsLister.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var owned []*appsv1.ReplicaSet
	var errs []error
	checked := false
	var adoptErr error
	for _, rs := range all {
		matches := sel.Matches(labels.Set(rs.Labels))
		ref := metav1.GetControllerOf(rs)
		switch {
		case ref != nil && ref.UID != d.UID:
		case ref != nil && matches:
			owned = append(owned, rs)
		case ref != nil:
			if d.DeletionTimestamp != nil {
				continue
			}
			if err := c.patchOwner(ctx, rs, []map[string]any{{"$patch": "delete", "uid": d.UID}}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		case matches && d.DeletionTimestamp == nil && rs.DeletionTimestamp == nil:
			if !checked {
				// Never adopt into a deployment that is being deleted.
				checked = true
				fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
				switch {
				case err != nil:
					adoptErr = err
				case fresh.UID != d.UID || fresh.DeletionTimestamp != nil:
					adoptErr = fmt.Errorf("deployment %s/%s is gone or being deleted", d.Namespace, d.Name)
				}
			}
			if adoptErr != nil {
				errs = append(errs, adoptErr)
				continue
			}
			err := c.patchOwner(ctx, rs, []metav1.OwnerReference{controllerRef(d)})
			switch {
			case err == nil:
				c.logger.Info("adopted replica set", "replicaset", rs.Namespace+"/"+rs.Name, "deployment", d.Name)
				owned = append(owned, rs)
			case apierrors.IsNotFound(err):
			default:
				errs = append(errs, err)
			}
		}
	}
	return owned, errors.Join(errs...)
}

func (c *Controller) patchOwner(ctx context.Context, rs *appsv1.ReplicaSet, refs any) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"ownerReferences": refs, "uid": rs.UID},
	})
	if err != nil {
		return err
	}
	_, err = c.client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// splitReplicaSets returns the new ReplicaSet (nil when none matches the
// template) and all the others.
func splitReplicaSets(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet) {
	newRS := findNewReplicaSet(d, rsList)
	var old []*appsv1.ReplicaSet
	for _, rs := range rsList {
		if newRS == nil || rs.UID != newRS.UID {
			old = append(old, rs)
		}
	}
	return newRS, old
}

// allReplicaSetsAndSyncRevision returns the new and old ReplicaSets,
// creating the new one when create is set, and brings the revision
// annotations of the deployment and its new ReplicaSet up to date.
func (c *Controller) allReplicaSetsAndSyncRevision(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	existing, old := splitReplicaSets(d, rsList)
	newRS, err := c.newReplicaSet(ctx, d, existing, old, create)
	if err != nil {
		return nil, nil, err
	}
	return newRS, old, nil
}

func (c *Controller) newReplicaSet(ctx context.Context, d *appsv1.Deployment, existing *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	newRevision := strconv.FormatInt(maxRevision(old)+1, 10)
	now := c.now()

	if existing != nil {
		rs := existing.DeepCopy()
		annotationsChanged := setNewReplicaSetAnnotations(d, rs, newRevision, true)
		if annotationsChanged || rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			updated, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
			if err != nil {
				return nil, err
			}
			rs = updated
		}
		needsUpdate := setDeploymentRevision(d, rs.Annotations[RevisionAnnotation])
		if getCondition(d.Status, appsv1.DeploymentProgressing) == nil && hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonFoundNewReplicaSet, fmt.Sprintf("Found new replica set %q", rs.Name), now))
			needsUpdate = true
		}
		if needsUpdate {
			if err := c.updateStatus(ctx, d); err != nil {
				return nil, err
			}
		}
		return rs, nil
	}
	if !create {
		return nil, nil
	}

	hash := computeHash(&d.Spec.Template, d.Status.CollisionCount)
	template := *d.Spec.Template.DeepCopy()
	template.Labels = maps.Clone(template.Labels)
	if template.Labels == nil {
		template.Labels = map[string]string{}
	}
	template.Labels[PodTemplateHashLabel] = hash
	selector := d.Spec.Selector.DeepCopy()
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[PodTemplateHashLabel] = hash

	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{controllerRef(d)},
			Labels:          template.Labels,
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptr.To[int32](0),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        selector,
			Template:        template,
		},
	}
	replicas := newRSReplicas(d, withNew(old, rs), rs)
	rs.Spec.Replicas = ptr.To(replicas)
	setNewReplicaSetAnnotations(d, rs, newRevision, false)

	created, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	alreadyExists := false
	switch {
	case apierrors.IsAlreadyExists(err):
		alreadyExists = true
		cur, getErr := c.rsLister.ReplicaSets(d.Namespace).Get(rs.Name)
		if getErr != nil {
			return nil, getErr
		}
		ref := metav1.GetControllerOf(cur)
		if ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &cur.Spec.Template) {
			// Our own ReplicaSet, not yet in the cache when we looked.
			created = cur.DeepCopy()
			break
		}
		// A hash collision: bump collisionCount so the next hash differs.
		if d.Status.CollisionCount == nil {
			d.Status.CollisionCount = new(int32)
		}
		*d.Status.CollisionCount++
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
		c.logger.Info("hash collision, bumped collisionCount", "deployment", d.Namespace+"/"+d.Name, "collisionCount", *d.Status.CollisionCount)
		return nil, fmt.Errorf("replica set %s/%s exists with another template: %w", rs.Namespace, rs.Name, err)
	case apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause):
		return nil, err
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionFalse, ReasonFailedReplicaSetCreate, msg, now))
			_ = c.updateStatus(ctx, d)
		}
		c.recorder.Eventf(d, v1.EventTypeWarning, EventReplicaSetCreateError, "%s", msg)
		return nil, err
	}
	if !alreadyExists && replicas > 0 {
		c.recorder.Eventf(d, v1.EventTypeNormal, EventScalingReplicaSet, "Scaled up replica set %s from 0 to %d", created.Name, replicas)
	}
	needsUpdate := setDeploymentRevision(d, newRevision)
	if !alreadyExists && hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewReplicaSetCreated, fmt.Sprintf("Created new replica set %q", created.Name), now))
		needsUpdate = true
	}
	if needsUpdate {
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// updateStatus writes d's status (and revision annotation, which the
// status subresource lets through) and keeps d current.
func (c *Controller) updateStatus(ctx context.Context, d *appsv1.Deployment) error {
	updated, err := c.writeStatus(ctx, d)
	if err != nil {
		return err
	}
	*d = *updated.DeepCopy()
	return nil
}

// scaleReplicaSet sets rs's size and replicas annotations; it records a
// ScalingReplicaSet event when the size changes.
func (c *Controller) scaleReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, size int32, d *appsv1.Deployment) (*appsv1.ReplicaSet, error) {
	sizeChanged := rsReplicas(rs) != size
	maxR := replicasOf(d) + maxSurge(d)
	if !sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicasOf(d), maxR) {
		return rs, nil
	}
	from := rsReplicas(rs)
	cp := rs.DeepCopy()
	cp.Spec.Replicas = ptr.To(size)
	setReplicasAnnotations(cp, replicasOf(d), maxR)
	updated, err := c.client.AppsV1().ReplicaSets(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("scale replica set %s/%s to %d: %w", rs.Namespace, rs.Name, size, err)
	}
	if sizeChanged {
		op := "up"
		if size < from {
			op = "down"
		}
		c.recorder.Eventf(d, v1.EventTypeNormal, EventScalingReplicaSet, "Scaled %s replica set %s from %d to %d", op, rs.Name, from, size)
	}
	return updated, nil
}
