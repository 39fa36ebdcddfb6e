package deployment

import (
	"math"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func rsReplicas(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType || d.Spec.Strategy.Type == ""
}

// resolveFenceposts turns maxSurge (rounded up) and maxUnavailable (rounded
// down) into pod counts for desired replicas; both zero would deadlock a
// rollout, so maxUnavailable becomes 1 then.
func resolveFenceposts(surge, unavailable *intstr.IntOrString, desired int32) (int32, int32) {
	s := scaledValue(surge, desired, true)
	u := scaledValue(unavailable, desired, false)
	if s == 0 && u == 0 {
		u = 1
	}
	return s, u
}

func scaledValue(v *intstr.IntOrString, total int32, roundUp bool) int32 {
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(total), roundUp)
	if err != nil {
		return 0
	}
	return int32(n)
}

func rollingParams(d *appsv1.Deployment) (*intstr.IntOrString, *intstr.IntOrString) {
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil {
		// The API defaults both to 25%.
		q := intstr.FromString("25%")
		return &q, &q
	}
	return ru.MaxSurge, ru.MaxUnavailable
}

// maxSurge is how many pods above replicas a rolling update may run.
func maxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	s, u := rollingParams(d)
	surge, _ := resolveFenceposts(s, u, replicasOf(d))
	return surge
}

// maxUnavailable is how many of replicas may be unavailable during a
// rolling update, never more than replicas.
func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || replicasOf(d) == 0 {
		return 0
	}
	s, u := rollingParams(d)
	_, unavailable := resolveFenceposts(s, u, replicasOf(d))
	return min(unavailable, replicasOf(d))
}

func specReplicaSum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

func statusReplicaSum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.Replicas
		}
	}
	return n
}

func readySum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.ReadyReplicas
		}
	}
	return n
}

func availableSum(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return n
}

// active keeps the non-nil ReplicaSets with replicas > 0.
func active(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

func withNew(old []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	all := append([]*appsv1.ReplicaSet(nil), old...)
	if newRS != nil {
		all = append(all, newRS)
	}
	return all
}

// newRSReplicas is the size the new ReplicaSet may grow to now: all of
// replicas for Recreate; for RollingUpdate as far as the surge allows.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRollingUpdate(d) {
		return replicasOf(d)
	}
	current := specReplicaSum(all)
	maxTotal := replicasOf(d) + maxSurge(d)
	if current >= maxTotal {
		return rsReplicas(newRS)
	}
	up := min(maxTotal-current, replicasOf(d)-rsReplicas(newRS))
	return rsReplicas(newRS) + up
}

// proportionalSizes spreads a size change of a deployment in mid-rollout
// over its active ReplicaSets in proportion to their sizes (as recorded
// against the max-replicas annotation), giving the rounding leftover to
// the largest one. It returns the new size of every ReplicaSet in all.
func proportionalSizes(d *appsv1.Deployment, all []*appsv1.ReplicaSet) map[string]int32 {
	all = active(all)
	allowed := int32(0)
	if replicasOf(d) > 0 {
		allowed = replicasOf(d) + maxSurge(d)
	}
	toAdd := allowed - specReplicaSum(all)
	if toAdd > 0 {
		sortBySizeNewer(all)
	} else {
		sortBySizeOlder(all)
	}
	sizes := map[string]int32{}
	var added int32
	for _, rs := range all {
		if toAdd == 0 {
			sizes[rs.Name] = rsReplicas(rs)
			continue
		}
		p := proportion(d, rs, toAdd, added)
		sizes[rs.Name] = rsReplicas(rs) + p
		added += p
	}
	if len(all) > 0 && toAdd != added {
		first := all[0].Name
		sizes[first] += toAdd - added
		if sizes[first] < 0 {
			sizes[first] = 0
		}
	}
	return sizes
}

// proportion is rs's share of toAdd, capped by what is left of it.
func proportion(d *appsv1.Deployment, rs *appsv1.ReplicaSet, toAdd, added int32) int32 {
	if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	fraction := fractionOf(d, rs)
	left := toAdd - added
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}

func fractionOf(d *appsv1.Deployment, rs *appsv1.ReplicaSet) int32 {
	if replicasOf(d) == 0 {
		return -rsReplicas(rs)
	}
	total := replicasOf(d) + maxSurge(d)
	annotated, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0
	}
	size := float64(rsReplicas(rs)*total) / float64(annotated)
	return int32(math.Round(size)) - rsReplicas(rs)
}

// sortBySizeNewer orders larger first, newer first among equals.
func sortBySizeNewer(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		if a, b := rsReplicas(rss[i]), rsReplicas(rss[j]); a != b {
			return a > b
		}
		return rss[j].CreationTimestamp.Before(&rss[i].CreationTimestamp)
	})
}

// sortBySizeOlder orders larger first, older first among equals.
func sortBySizeOlder(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		if a, b := rsReplicas(rss[i]), rsReplicas(rss[j]); a != b {
			return a > b
		}
		return rss[i].CreationTimestamp.Before(&rss[j].CreationTimestamp)
	})
}

// activeOrLatest returns the only active ReplicaSet, or the newest one when
// none is active, or nil when several are active (a rollout is under way).
func activeOrLatest(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(old) == 0 {
		return nil
	}
	sorted := append([]*appsv1.ReplicaSet(nil), old...)
	sortByCreation(sorted)
	act := active(withNew(sorted, newRS))
	switch len(act) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return sorted[len(sorted)-1]
	case 1:
		return act[0]
	}
	return nil
}

// saturated reports whether the new ReplicaSet runs every replica available.
func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := intAnnotation(rs, DesiredReplicasAnnotation)
	return ok && rsReplicas(rs) == replicasOf(d) && desired == replicasOf(d) && rs.Status.AvailableReplicas == replicasOf(d)
}
