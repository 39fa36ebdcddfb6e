package deployment

import (
	"context"
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/controller"
)

// syncStatusOnly refreshes the status of a deployment being deleted.
func (c *Controller) syncStatusOnly(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, old, err := c.allReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	return c.syncDeploymentStatus(ctx, d, withNew(old, newRS), newRS)
}

// sync handles a paused deployment or a pure size change: scale the
// ReplicaSets, clean up history when paused, refresh status.
func (c *Controller) sync(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, old, err := c.allReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if err := c.scale(ctx, d, newRS, old); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncDeploymentStatus(ctx, d, withNew(old, newRS), newRS)
}

func (c *Controller) syncDeploymentStatus(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	s := calculateStatus(d, all, newRS, c.now())
	if apiequality.Semantic.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// isScalingEvent reports whether replicas changed without a template
// change: an active ReplicaSet was sized for another deployment size.
func (c *Controller) isScalingEvent(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) (bool, error) {
	newRS, old, err := c.allReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return false, err
	}
	for _, rs := range active(withNew(old, newRS)) {
		desired, ok := intAnnotation(rs, DesiredReplicasAnnotation)
		if ok && desired != replicasOf(d) {
			return true, nil
		}
	}
	return false, nil
}

// scale resizes the ReplicaSets after a deployment size change.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) error {
	if rs := activeOrLatest(newRS, old); rs != nil {
		if rsReplicas(rs) == replicasOf(d) {
			return nil
		}
		_, err := c.scaleReplicaSet(ctx, rs, replicasOf(d), d)
		return err
	}
	if saturated(d, newRS) {
		for _, rs := range active(old) {
			if _, err := c.scaleReplicaSet(ctx, rs, 0, d); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	all := active(withNew(old, newRS))
	sizes := proportionalSizes(d, all)
	var errs []error
	for _, rs := range all {
		if _, err := c.scaleReplicaSet(ctx, rs, sizes[rs.Name], d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rolloutRolling is one step of a RollingUpdate: grow the new ReplicaSet
// within maxSurge, shrink old ones within maxUnavailable.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) error {
	newRS, old, err := c.allReplicaSetsAndSyncRevision(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	all := withNew(old, newRS)

	scaledUp, err := c.reconcileNewReplicaSet(ctx, d, all, newRS)
	if err != nil {
		return err
	}
	if scaledUp {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	scaledDown, err := c.reconcileOldReplicaSets(ctx, d, all, active(old), newRS)
	if err != nil {
		return err
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	if complete(d, &d.Status) {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, all, newRS)
}

func (c *Controller) reconcileNewReplicaSet(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if rsReplicas(newRS) == replicasOf(d) {
		return false, nil
	}
	from, size := rsReplicas(newRS), replicasOf(d)
	if from < replicasOf(d) {
		size = newRSReplicas(d, all, newRS)
	}
	updated, err := c.scaleReplicaSet(ctx, newRS, size, d)
	if err != nil {
		return false, err
	}
	*newRS = *updated
	return size != from, nil
}

// oldScaleDownBudget is how many old pods may go now: everything above
// minAvailable, not counting new pods that are not available yet (they
// may never become available, so they must not be relied on).
func oldScaleDownBudget(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	minAvailable := replicasOf(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS) - newRS.Status.AvailableReplicas
	return specReplicaSum(all) - minAvailable - newUnavailable
}

func (c *Controller) reconcileOldReplicaSets(ctx context.Context, d *appsv1.Deployment, all, old []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if specReplicaSum(old) == 0 {
		return false, nil
	}
	budget := oldScaleDownBudget(d, all, newRS)
	if budget <= 0 {
		return false, nil
	}
	// Unhealthy old pods go first: removing them costs no availability.
	old, cleaned, err := c.cleanupUnhealthyReplicas(ctx, d, old, budget)
	if err != nil {
		return false, err
	}
	scaled, err := c.scaleDownOldForRollingUpdate(ctx, d, withNew(old, newRS), old)
	if err != nil {
		return false, err
	}
	return cleaned+scaled > 0, nil
}

// unhealthyScaleDowns plans how far to shrink each old ReplicaSet (oldest
// first) by its unavailable replicas, within budget.
func unhealthyScaleDowns(old []*appsv1.ReplicaSet, budget int32) map[types.UID]int32 {
	sorted := append([]*appsv1.ReplicaSet(nil), old...)
	sortByCreation(sorted)
	out := map[types.UID]int32{}
	var total int32
	for _, rs := range sorted {
		if total >= budget {
			break
		}
		if rsReplicas(rs) == 0 || rsReplicas(rs) == rs.Status.AvailableReplicas {
			continue
		}
		n := min(budget-total, rsReplicas(rs)-rs.Status.AvailableReplicas)
		if n <= 0 {
			continue
		}
		out[rs.UID] = rsReplicas(rs) - n
		total += n
	}
	return out
}

func (c *Controller) cleanupUnhealthyReplicas(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet, budget int32) ([]*appsv1.ReplicaSet, int32, error) {
	plan := unhealthyScaleDowns(old, budget)
	var total int32
	out := make([]*appsv1.ReplicaSet, 0, len(old))
	for _, rs := range old {
		size, ok := plan[rs.UID]
		if !ok {
			out = append(out, rs)
			continue
		}
		updated, err := c.scaleReplicaSet(ctx, rs, size, d)
		if err != nil {
			return nil, total, err
		}
		total += rsReplicas(rs) - size
		out = append(out, updated)
	}
	return out, total, nil
}

// availableScaleDowns plans how far to shrink old ReplicaSets (oldest
// first) so that available pods stay at or above minAvailable.
func availableScaleDowns(d *appsv1.Deployment, all, old []*appsv1.ReplicaSet) map[types.UID]int32 {
	minAvailable := replicasOf(d) - maxUnavailable(d)
	available := availableSum(all)
	out := map[types.UID]int32{}
	if available <= minAvailable {
		return out
	}
	budget := available - minAvailable
	sorted := append([]*appsv1.ReplicaSet(nil), old...)
	sortByCreation(sorted)
	var total int32
	for _, rs := range sorted {
		if total >= budget {
			break
		}
		if rsReplicas(rs) == 0 {
			continue
		}
		n := min(rsReplicas(rs), budget-total)
		out[rs.UID] = rsReplicas(rs) - n
		total += n
	}
	return out
}

func (c *Controller) scaleDownOldForRollingUpdate(ctx context.Context, d *appsv1.Deployment, all, old []*appsv1.ReplicaSet) (int32, error) {
	plan := availableScaleDowns(d, all, old)
	var total int32
	for _, rs := range old {
		size, ok := plan[rs.UID]
		if !ok {
			continue
		}
		if _, err := c.scaleReplicaSet(ctx, rs, size, d); err != nil {
			return total, err
		}
		total += rsReplicas(rs) - size
	}
	return total, nil
}

// rolloutRecreate scales every old ReplicaSet to zero, waits for their pods
// to be gone, then creates/scales the new one.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, pods map[types.UID][]*v1.Pod) error {
	newRS, old, err := c.allReplicaSetsAndSyncRevision(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	all := withNew(old, newRS)
	scaledDown := false
	for _, rs := range active(old) {
		if _, err := c.scaleReplicaSet(ctx, rs, 0, d); err != nil {
			return err
		}
		scaledDown = true
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	if oldPodsRunning(newRS, old, pods) {
		return c.syncRolloutStatus(ctx, d, all, newRS)
	}
	if newRS == nil {
		newRS, old, err = c.allReplicaSetsAndSyncRevision(ctx, d, rsList, true)
		if err != nil {
			return err
		}
		all = withNew(old, newRS)
	}
	if rsReplicas(newRS) != replicasOf(d) {
		updated, err := c.scaleReplicaSet(ctx, newRS, replicasOf(d), d)
		if err != nil {
			return err
		}
		*newRS = *updated
	}
	if complete(d, &d.Status) {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, all, newRS)
}

// oldPodsRunning reports whether any pod of an old ReplicaSet has not
// finished yet (Unknown counts as running: it may still be).
func oldPodsRunning(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, pods map[types.UID][]*v1.Pod) bool {
	if statusReplicaSum(old) > 0 {
		return true
	}
	for uid, list := range pods {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, p := range list {
			if p.Status.Phase != v1.PodFailed && p.Status.Phase != v1.PodSucceeded {
				return true
			}
		}
	}
	return false
}

// historyToDelete picks the old ReplicaSets beyond revisionHistoryLimit,
// lowest revision first, that are fully scaled down and settled.
func historyToDelete(d *appsv1.Deployment, old []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range old {
		if rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	sortByRevision(alive)
	var out []*appsv1.ReplicaSet
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		out = append(out, rs)
	}
	return out
}

func (c *Controller) cleanupHistory(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet) error {
	for _, rs := range historyToDelete(d, old) {
		c.logger.Info("deleting old replica set", "replicaset", rs.Namespace+"/"+rs.Name, "revision", revision(rs))
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// syncRolloutStatus writes the rollout status and arranges a look at the
// progress deadline.
func (c *Controller) syncRolloutStatus(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	now := c.now()
	s := rolloutStatus(d, all, newRS, now)
	if apiequality.Semantic.DeepEqual(d.Status, s) {
		if after := stuckRequeue(d, &s, now); after > 0 {
			return controller.RequeueAfter(after, "watching the progress deadline")
		}
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}
