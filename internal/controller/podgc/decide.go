package podgc

import (
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// isTerminated: the pod reached a terminal phase.
func isTerminated(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
}

func isEvicted(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodFailed && pod.Status.Reason == "Evicted"
}

// terminatedOverThreshold returns the terminated pods to delete so that at
// most threshold remain: evicted ones first, then the oldest, names
// breaking ties. A threshold <= 0 disables this collection.
func terminatedOverThreshold(pods []*v1.Pod, threshold int) []*v1.Pod {
	if threshold <= 0 {
		return nil
	}
	var terminated []*v1.Pod
	for _, p := range pods {
		if isTerminated(p) {
			terminated = append(terminated, p)
		}
	}
	n := len(terminated) - threshold
	if n <= 0 {
		return nil
	}
	slices.SortFunc(terminated, func(a, b *v1.Pod) int {
		if ea, eb := isEvicted(a), isEvicted(b); ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return terminated[:n]
}

// nodeReady reports whether the node's Ready condition is True.
func nodeReady(node *v1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == v1.NodeReady {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func outOfService(node *v1.Node) bool {
	for _, t := range node.Spec.Taints {
		if t.Key == v1.TaintNodeOutOfService {
			return true
		}
	}
	return false
}

// terminatingOnOutOfServiceNodes returns terminating pods whose node is not
// ready and tainted node.kubernetes.io/out-of-service: no kubelet will finish
// them, and the administrator said the node is gone.
func terminatingOnOutOfServiceNodes(pods []*v1.Pod, nodes map[string]*v1.Node) []*v1.Pod {
	var out []*v1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp == nil || p.Spec.NodeName == "" {
			continue
		}
		node, ok := nodes[p.Spec.NodeName]
		if ok && !nodeReady(node) && outOfService(node) {
			out = append(out, p)
		}
	}
	return out
}

// unscheduledTerminating returns terminating pods never bound to a node.
func unscheduledTerminating(pods []*v1.Pod) []*v1.Pod {
	var out []*v1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			out = append(out, p)
		}
	}
	return out
}

// quarantine remembers since when a node name bound to pods has been
// missing: a node may be absent from the cache only because the cache is
// behind, so orphans are collected only after the node stayed missing for
// the quarantine period.
type quarantine struct {
	period  time.Duration
	missing map[string]time.Time
}

func newQuarantine(period time.Duration) *quarantine {
	return &quarantine{period: period, missing: map[string]time.Time{}}
}

// expired returns the missing node names whose quarantine ended at now, in
// name order. Nodes that exist again are forgotten.
func (q *quarantine) expired(pods []*v1.Pod, nodes map[string]*v1.Node, now time.Time) []string {
	wanted := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "" {
			if _, ok := nodes[p.Spec.NodeName]; !ok {
				wanted[p.Spec.NodeName] = true
			}
		}
	}
	for name := range q.missing {
		if !wanted[name] {
			delete(q.missing, name)
		}
	}
	var out []string
	for name := range wanted {
		since, ok := q.missing[name]
		if !ok {
			q.missing[name] = now
			since = now
		}
		if now.Sub(since) >= q.period {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// forget drops a node that turned out to exist.
func (q *quarantine) forget(name string) { delete(q.missing, name) }
