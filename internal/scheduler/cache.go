package scheduler

import (
	"fmt"
	"sort"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

type podState struct {
	pod     *v1.Pod
	info    *framework.PodInfo
	assumed bool
}

// Cache is the informer-fed state of nodes and pods on nodes, including
// the pods this scheduler assumed onto a node and is still binding. It is
// updated incrementally by events and copied into a Snapshot for each
// scheduling cycle (only the nodes that changed are copied).
type Cache struct {
	mu         sync.RWMutex
	nodes      map[string]*framework.NodeInfo
	pods       map[types.UID]*podState
	namespaces map[string]labels.Set
	generation int64
	// nodeSetChanged is set when nodes were added or removed;
	// nodesChanged when any Node object changed (images may have).
	nodeSetChanged bool
	nodesChanged   bool
	// dirty names the nodes changed since the last UpdateSnapshot of
	// snapshotGeneration; other snapshots get a full rebuild.
	dirty              map[string]struct{}
	snapshotGeneration int64
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{
		nodes:              map[string]*framework.NodeInfo{},
		pods:               map[types.UID]*podState{},
		namespaces:         map[string]labels.Set{},
		dirty:              map[string]struct{}{},
		snapshotGeneration: -1,
	}
}

func (c *Cache) nodeLocked(name string) *framework.NodeInfo {
	ni, ok := c.nodes[name]
	if !ok {
		ni = framework.NewNodeInfo()
		c.nodes[name] = ni
	}
	return ni
}

func (c *Cache) touch(name string, ni *framework.NodeInfo) {
	c.generation++
	ni.Generation = c.generation
	c.dirty[name] = struct{}{}
}

// AddNode records a new node (or replaces it).
func (c *Cache) AddNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni := c.nodeLocked(node.Name)
	if ni.Node() == nil {
		c.nodeSetChanged = true
	}
	ni.SetNode(node)
	c.touch(node.Name, ni)
	c.nodesChanged = true
}

// UpdateNode replaces a node.
func (c *Cache) UpdateNode(node *v1.Node) { c.AddNode(node) }

// RemoveNode forgets a node; its pods stay until their own deletion.
func (c *Cache) RemoveNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.nodes[node.Name]
	if !ok {
		return
	}
	ni.RemoveNode()
	c.nodeSetChanged = true
	c.nodesChanged = true
	if len(ni.Pods) == 0 {
		delete(c.nodes, node.Name)
		return
	}
	c.touch(node.Name, ni)
}

// AssumePod accounts pod (with spec.nodeName set) on its node before the
// binding is confirmed, so the next cycles see it.
func (c *Cache) AssumePod(pod *v1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("pod %s/%s is already in the cache", pod.Namespace, pod.Name)
	}
	c.addPodLocked(pod, nil, true)
	return nil
}

// ForgetPod undoes AssumePod after a failed binding.
func (c *Cache) ForgetPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[pod.UID]
	if !ok || !ps.assumed {
		return
	}
	c.removePodLocked(ps.pod)
}

// IsAssumed reports whether the pod is assumed and not confirmed yet.
func (c *Cache) IsAssumed(pod *v1.Pod) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ps, ok := c.pods[pod.UID]
	return ok && ps.assumed
}

// AddPod records a pod bound to a node, confirming an assumption.
func (c *Cache) AddPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var info *framework.PodInfo
	if ps, ok := c.pods[pod.UID]; ok {
		c.removePodLocked(ps.pod)
		info = ps.info.Updated(pod)
	}
	c.addPodLocked(pod, info, false)
}

// UpdatePod replaces a bound pod.
func (c *Cache) UpdatePod(pod *v1.Pod) { c.AddPod(pod) }

// RemovePod forgets a pod.
func (c *Cache) RemovePod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok {
		c.removePodLocked(ps.pod)
	}
}

// addPodLocked accounts pod with info, derived anew when nil.
func (c *Cache) addPodLocked(pod *v1.Pod, info *framework.PodInfo, assumed bool) {
	if info == nil {
		info = framework.NewPodInfo(pod)
	}
	ni := c.nodeLocked(pod.Spec.NodeName)
	ni.AddPod(info)
	c.touch(pod.Spec.NodeName, ni)
	c.pods[pod.UID] = &podState{pod: pod, info: info, assumed: assumed}
}

func (c *Cache) removePodLocked(pod *v1.Pod) {
	delete(c.pods, pod.UID)
	ni, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return
	}
	_ = ni.RemovePod(pod) // absent means already gone
	c.touch(pod.Spec.NodeName, ni)
	if ni.Node() == nil && len(ni.Pods) == 0 {
		delete(c.nodes, pod.Spec.NodeName)
	}
}

// SetNamespace records a namespace's labels (for namespace selectors).
func (c *Cache) SetNamespace(ns *v1.Namespace) {
	c.mu.Lock()
	c.namespaces[ns.Name] = labels.Set(ns.Labels)
	c.mu.Unlock()
}

// RemoveNamespace forgets a namespace.
func (c *Cache) RemoveNamespace(ns *v1.Namespace) {
	c.mu.Lock()
	delete(c.namespaces, ns.Name)
	c.mu.Unlock()
}

// NamespaceLabels returns a namespace's labels.
func (c *Cache) NamespaceLabels(name string) labels.Set {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.namespaces[name]
}

// NodeCount is the number of nodes.
func (c *Cache) NodeCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, ni := range c.nodes {
		if ni.Node() != nil {
			n++
		}
	}
	return n
}

// UpdateSnapshot brings s up to date. For the snapshot it updated last,
// only the nodes changed since are copied; another snapshot (or a change
// of the node set) is rebuilt, reusing the copies that are still current.
func (c *Cache) UpdateSnapshot(s *framework.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	incremental := !c.nodeSetChanged && s.NodeInfoMap != nil && s.Generation == c.snapshotGeneration
	switch {
	case incremental && len(c.dirty) == 0 && !c.nodesChanged:
		// Nothing changed.
	case incremental:
		for name := range c.dirty {
			if ni, ok := c.nodes[name]; ok && ni.Node() != nil {
				s.ReplaceNode(ni.Clone())
			}
		}
	default:
		names := make([]string, 0, len(c.nodes))
		for name, ni := range c.nodes {
			if ni.Node() != nil {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		list := make([]*framework.NodeInfo, 0, len(names))
		for _, name := range names {
			ni := c.nodes[name]
			if cur, ok := s.NodeInfoMap[name]; ok && cur.Generation == ni.Generation {
				list = append(list, cur)
				continue
			}
			list = append(list, ni.Clone())
		}
		s.SetNodes(list)
	}
	switch {
	case !incremental || c.nodesChanged:
		s.Refresh()
	case len(c.dirty) > 0:
		s.RefreshPods()
	}
	s.NamespaceLabels = c.NamespaceLabels
	s.Generation = c.generation
	c.snapshotGeneration = c.generation
	c.nodeSetChanged = false
	c.nodesChanged = false
	clear(c.dirty)
}
