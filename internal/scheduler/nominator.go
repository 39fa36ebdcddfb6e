package scheduler

import (
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nominator tracks pending pods nominated to a node by preemption, so
// that other pods do not take the room they made.
type nominator struct {
	mu     sync.RWMutex
	byNode map[string]map[types.UID]*v1.Pod
	nodeOf map[types.UID]string
	// count is len(nodeOf), read without the lock: pods is called for
	// every node of every cycle from the filter goroutines, and there is
	// almost never a nomination.
	count atomic.Int64
}

func newNominator() *nominator {
	return &nominator{byNode: map[string]map[types.UID]*v1.Pod{}, nodeOf: map[types.UID]string{}}
}

// set records pod as nominated to node ("" forgets it).
func (n *nominator) set(pod *v1.Pod, node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.nodeOf[pod.UID]; ok {
		delete(n.byNode[old], pod.UID)
		if len(n.byNode[old]) == 0 {
			delete(n.byNode, old)
		}
		delete(n.nodeOf, pod.UID)
	}
	defer func() { n.count.Store(int64(len(n.nodeOf))) }()
	if node == "" {
		return
	}
	if n.byNode[node] == nil {
		n.byNode[node] = map[types.UID]*v1.Pod{}
	}
	n.byNode[node][pod.UID] = pod
	n.nodeOf[pod.UID] = node
}

// update follows a pod from the informer: pending pods keep the
// nomination of their status; bound or deleted pods lose it.
func (n *nominator) update(pod *v1.Pod) {
	if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
		n.set(pod, "")
		return
	}
	if nom := pod.Status.NominatedNodeName; nom != "" {
		n.set(pod, nom)
	}
}

// pods returns the pods nominated to node.
func (n *nominator) pods(node string) []*v1.Pod {
	if n.count.Load() == 0 {
		return nil
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	m := n.byNode[node]
	if len(m) == 0 {
		return nil
	}
	out := make([]*v1.Pod, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}
