package replicaset

import (
	"math"
	"sort"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
)

// PodDeletionCostAnnotation lets users say which pods of a ReplicaSet to
// remove first on scale-down: lower cost goes first.
const PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// podsToDelete picks the n pods to remove on scale-down, the least valuable
// first. related are the active pods of every ReplicaSet sharing this one's
// owner (pods included), used to spread what remains over nodes; now
// anchors the "how long ready / how old" buckets.
func podsToDelete(pods, related []*v1.Pod, n int, now time.Time) []*v1.Pod {
	if n >= len(pods) {
		return pods
	}
	ranked := rankForDeletion(pods, related, now)
	return ranked[:n]
}

// rankForDeletion orders pods so that the first ones are the best to
// delete:
//  1. not yet scheduled before scheduled,
//  2. Pending before Unknown before Running,
//  3. not ready before ready,
//  4. lower pod-deletion-cost before higher,
//  5. pods sharing a node with more siblings before lonelier ones,
//  6. ready for a shorter time before longer (log2 buckets),
//  7. more container restarts before fewer,
//  8. newer before older (log2 buckets), then by UID for a stable order.
func rankForDeletion(pods, related []*v1.Pod, now time.Time) []*v1.Pod {
	if related == nil {
		related = pods
	}
	perNode := map[string]int{}
	for _, p := range related {
		if p.Spec.NodeName != "" && podActive(p) {
			perNode[p.Spec.NodeName]++
		}
	}
	out := append([]*v1.Pod(nil), pods...)
	sort.SliceStable(out, func(i, j int) bool {
		return deleteFirst(out[i], out[j], perNode, now)
	})
	return out
}

// deleteFirst reports whether a should be deleted before b.
func deleteFirst(a, b *v1.Pod, perNode map[string]int, now time.Time) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseRank(a.Status.Phase), phaseRank(b.Status.Phase); pa != pb {
		return pa < pb
	}
	ra, rb := podReady(a), podReady(b)
	if ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if na, nb := perNode[a.Spec.NodeName], perNode[b.Spec.NodeName]; a.Spec.NodeName != "" && na != nb {
		return na > nb
	}
	if ra && rb {
		ta, tb := readySince(a), readySince(b)
		if !ta.Equal(tb) {
			if ta.IsZero() || tb.IsZero() {
				return ta.IsZero()
			}
			if ba, bb := ageBucket(now, ta), ageBucket(now, tb); ba != bb {
				return ba < bb
			}
		}
	}
	if xa, xb := maxRestarts(a), maxRestarts(b); xa != xb {
		return xa > xb
	}
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		if ta.IsZero() || tb.IsZero() {
			return ta.IsZero()
		}
		if ba, bb := ageBucket(now, ta), ageBucket(now, tb); ba != bb {
			return ba < bb
		}
	}
	return a.UID < b.UID
}

func phaseRank(p v1.PodPhase) int {
	switch p {
	case v1.PodPending, "":
		return 0
	case v1.PodUnknown:
		return 1
	case v1.PodRunning:
		return 2
	}
	return 3
}

// ageBucket is floor(log2(seconds since t)), so pods of similar age count
// as equally old and a random one among them goes (upstream's logarithmic
// scale-down).
func ageBucket(now, t time.Time) int {
	d := now.Sub(t).Seconds()
	if d < 1 {
		return 0
	}
	return int(math.Floor(math.Log2(d)))
}

func deletionCost(p *v1.Pod) int64 {
	s, ok := p.Annotations[PodDeletionCostAnnotation]
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0
	}
	return v
}

func maxRestarts(p *v1.Pod) int32 {
	var m int32
	for _, cs := range p.Status.ContainerStatuses {
		m = max(m, cs.RestartCount)
	}
	return m
}

func readyCondition(p *v1.Pod) *v1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == v1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func podReady(p *v1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == v1.ConditionTrue
}

func readySince(p *v1.Pod) time.Time {
	if c := readyCondition(p); c != nil && c.Status == v1.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// podAvailable reports whether p has been ready for at least minReadySeconds at now.
func podAvailable(p *v1.Pod, minReadySeconds int32, now time.Time) bool {
	if !podReady(p) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	since := readySince(p)
	return !since.IsZero() && since.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// podActive reports whether p still counts towards replicas: not finished
// and not being deleted.
func podActive(p *v1.Pod) bool {
	return p.Status.Phase != v1.PodSucceeded && p.Status.Phase != v1.PodFailed && p.DeletionTimestamp == nil
}
