package nodelifecycle

import (
	"time"

	"github.com/go-logr/logr"
	v1 "k8s.io/api/core/v1"
)

// What upstream writes on pods it evicts for NoExecute taints.
const (
	reasonTaintEviction  = "DeletionByTaintManager"
	messageTaintEviction = "Taint manager: deleting due to NoExecute taint"
)

// evictionVerdict is what to do with one pod on a tainted node.
type evictionVerdict struct {
	// evict now.
	evict bool
	// at is when to evict, zero when the pod tolerates the taints forever
	// (or there are none).
	at time.Time
}

// decideEviction decides for a pod on a node with taints: any NoExecute
// taint the pod does not tolerate evicts it now; otherwise it goes when
// the shortest tolerationSeconds among the tolerations in use runs out,
// counted from when its taint was added (added, for taints without
// TimeAdded).
func decideEviction(pod *v1.Pod, taints []v1.Taint, added func(v1.Taint) time.Time, now time.Time) evictionVerdict {
	var earliest time.Time
	for i := range taints {
		taint := &taints[i]
		if taint.Effect != v1.TaintEffectNoExecute {
			continue
		}
		tolerated := false
		// The shortest bounded toleration in use wins, even when an
		// unbounded one matches too; negative seconds mean at once.
		var shortest int64 = -1
		for j := range pod.Spec.Tolerations {
			tol := &pod.Spec.Tolerations[j]
			if !tol.ToleratesTaint(logr.Discard(), taint, false) {
				continue
			}
			tolerated = true
			if tol.TolerationSeconds == nil {
				continue
			}
			s := max(*tol.TolerationSeconds, 0)
			if shortest < 0 || s < shortest {
				shortest = s
			}
		}
		if !tolerated {
			return evictionVerdict{evict: true}
		}
		if shortest < 0 {
			continue
		}
		var start time.Time
		if taint.TimeAdded != nil {
			start = taint.TimeAdded.Time
		} else {
			start = added(*taint)
		}
		at := start.Add(time.Duration(shortest) * time.Second)
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	if earliest.IsZero() {
		return evictionVerdict{}
	}
	if !now.Before(earliest) {
		return evictionVerdict{evict: true}
	}
	return evictionVerdict{at: earliest}
}
