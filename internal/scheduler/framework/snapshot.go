package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// Snapshot is the immutable view of the cluster one scheduling cycle reads.
type Snapshot struct {
	NodeInfoMap map[string]*NodeInfo
	// NodeInfoList holds the nodes that exist (have a Node object), in a
	// stable order.
	NodeInfoList []*NodeInfo
	// HavePodsWithAffinity lists the nodes with pods that have affinity
	// terms; HavePodsWithRequiredAntiAffinity those with required
	// anti-affinity.
	HavePodsWithAffinity             []*NodeInfo
	HavePodsWithRequiredAntiAffinity []*NodeInfo
	// ImageNodes counts on how many nodes each image is.
	ImageNodes map[string]int
	// NamespaceLabels looks up namespace labels for namespace selectors.
	NamespaceLabels NamespaceLabels
	// Generation is the cache generation the snapshot reflects.
	Generation int64

	// index maps node names to their position in NodeInfoList.
	index map[string]int
}

// SetNodes replaces the node list (in the order given) and the map.
func (s *Snapshot) SetNodes(list []*NodeInfo) {
	s.NodeInfoList = list
	s.NodeInfoMap = make(map[string]*NodeInfo, len(list))
	s.index = make(map[string]int, len(list))
	for i, ni := range list {
		name := ni.Node().Name
		s.NodeInfoMap[name] = ni
		s.index[name] = i
	}
}

// ReplaceNode swaps in a new NodeInfo for a node already in the snapshot;
// false when the node is not there.
func (s *Snapshot) ReplaceNode(ni *NodeInfo) bool {
	name := ni.Node().Name
	i, ok := s.index[name]
	if !ok {
		return false
	}
	s.NodeInfoList[i] = ni
	s.NodeInfoMap[name] = ni
	return true
}

// NewSnapshot builds a snapshot from pods and nodes (for tests and the
// benchmark): pods with a nodeName land on that node.
func NewSnapshot(pods []*v1.Pod, nodes []*v1.Node) *Snapshot {
	m := map[string]*NodeInfo{}
	for _, n := range nodes {
		ni := NewNodeInfo()
		ni.SetNode(n)
		m[n.Name] = ni
	}
	for _, p := range pods {
		if ni, ok := m[p.Spec.NodeName]; ok {
			ni.AddPod(NewPodInfo(p))
		}
	}
	s := &Snapshot{}
	list := make([]*NodeInfo, 0, len(nodes))
	for _, n := range nodes {
		list = append(list, m[n.Name])
	}
	s.SetNodes(list)
	s.Refresh()
	return s
}

// Refresh recomputes everything derived from NodeInfoList.
func (s *Snapshot) Refresh() {
	s.RefreshPods()
	s.RefreshImages()
}

// RefreshPods recomputes the lists of nodes with affinity pods (after pod
// changes).
func (s *Snapshot) RefreshPods() {
	s.HavePodsWithAffinity = s.HavePodsWithAffinity[:0]
	s.HavePodsWithRequiredAntiAffinity = s.HavePodsWithRequiredAntiAffinity[:0]
	for _, ni := range s.NodeInfoList {
		if len(ni.PodsWithAffinity) > 0 {
			s.HavePodsWithAffinity = append(s.HavePodsWithAffinity, ni)
		}
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			s.HavePodsWithRequiredAntiAffinity = append(s.HavePodsWithRequiredAntiAffinity, ni)
		}
	}
}

// RefreshImages recounts on how many nodes each image is (after node
// changes only: pods do not change images).
func (s *Snapshot) RefreshImages() {
	s.ImageNodes = map[string]int{}
	for _, ni := range s.NodeInfoList {
		for name := range ni.ImageSizes {
			s.ImageNodes[name]++
		}
	}
}

// Get returns the NodeInfo of a node.
func (s *Snapshot) Get(name string) (*NodeInfo, error) {
	ni, ok := s.NodeInfoMap[name]
	if !ok || ni.Node() == nil {
		return nil, fmt.Errorf("node %q not found in snapshot", name)
	}
	return ni, nil
}

// NumNodes is the number of nodes.
func (s *Snapshot) NumNodes() int { return len(s.NodeInfoList) }

// AssumePod adds pod (with spec.nodeName set) to a copy of its node in the
// snapshot, so that the next pods of a benchmark or test see it.
func (s *Snapshot) AssumePod(pod *v1.Pod) error {
	ni, err := s.Get(pod.Spec.NodeName)
	if err != nil {
		return err
	}
	c := ni.Clone()
	c.AddPod(NewPodInfo(pod))
	s.ReplaceNode(c)
	if len(c.PodsWithAffinity) > 0 || len(c.PodsWithRequiredAntiAffinity) > 0 {
		s.RefreshPods()
	}
	return nil
}
