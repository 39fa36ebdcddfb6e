package framework

import (
	"fmt"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// AffinityTerm is a parsed pod (anti-)affinity term.
type AffinityTerm struct {
	Namespaces sets.Set[string]
	// NamespaceSelector, when not nil, also selects namespaces by labels.
	NamespaceSelector labels.Selector
	Selector          labels.Selector
	TopologyKey       string
}

// WeightedAffinityTerm is a preferred term with its weight.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// NamespaceLabels returns the labels of a namespace (nil when unknown).
type NamespaceLabels func(namespace string) labels.Set

// Matches reports whether pod is selected by the term. nsLabels may be nil
// when no term uses a namespace selector.
func (t *AffinityTerm) Matches(pod *v1.Pod, nsLabels NamespaceLabels) bool {
	if !t.Namespaces.Has(pod.Namespace) {
		if t.NamespaceSelector == nil {
			return false
		}
		if !t.NamespaceSelector.Empty() {
			var l labels.Set
			if nsLabels != nil {
				l = nsLabels(pod.Namespace)
			}
			if !t.NamespaceSelector.Matches(l) {
				return false
			}
		}
	}
	return t.Selector.Matches(labels.Set(pod.Labels))
}

func newAffinityTerm(pod *v1.Pod, term *v1.PodAffinityTerm) (AffinityTerm, error) {
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return AffinityTerm{}, fmt.Errorf("label selector: %w", err)
	}
	if term.LabelSelector == nil {
		sel = labels.Nothing()
	}
	at := AffinityTerm{Namespaces: sets.New(term.Namespaces...), Selector: sel, TopologyKey: term.TopologyKey}
	if term.NamespaceSelector != nil {
		nsSel, err := metav1.LabelSelectorAsSelector(term.NamespaceSelector)
		if err != nil {
			return AffinityTerm{}, fmt.Errorf("namespace selector: %w", err)
		}
		at.NamespaceSelector = nsSel
	} else if len(term.Namespaces) == 0 {
		at.Namespaces.Insert(pod.Namespace)
	}
	return at, nil
}

func newAffinityTerms(pod *v1.Pod, terms []v1.PodAffinityTerm) ([]AffinityTerm, error) {
	var out []AffinityTerm
	for i := range terms {
		t, err := newAffinityTerm(pod, &terms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func newWeightedTerms(pod *v1.Pod, terms []v1.WeightedPodAffinityTerm) ([]WeightedAffinityTerm, error) {
	var out []WeightedAffinityTerm
	for i := range terms {
		t, err := newAffinityTerm(pod, &terms[i].PodAffinityTerm)
		if err != nil {
			return nil, err
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: t, Weight: terms[i].Weight})
	}
	return out, nil
}

// PodInfo is a pod with what the scheduler derives from it once.
type PodInfo struct {
	Pod              *v1.Pod
	Requests         Resource
	NonZeroRequests  Resource
	RequiredAffinity []AffinityTerm
	RequiredAnti     []AffinityTerm
	PreferredAff     []WeightedAffinityTerm
	PreferredAnti    []WeightedAffinityTerm
	// ParseError is set when an affinity term could not be parsed.
	ParseError error
}

// NewPodInfo derives a PodInfo.
func NewPodInfo(pod *v1.Pod) *PodInfo {
	pi := NewPodAffinityInfo(pod)
	pi.Requests, pi.NonZeroRequests = PodRequests(pod), PodNonZeroRequests(pod)
	return pi
}

// Updated returns the PodInfo of pod, a newer version of pi.Pod: what pi
// derived is kept when its inputs (requests, overhead, affinity) are
// unchanged, as they are for status updates, and derived anew otherwise.
func (pi *PodInfo) Updated(pod *v1.Pod) *PodInfo {
	if !sameDerivationInputs(pi.Pod, pod) {
		return NewPodInfo(pod)
	}
	cp := *pi
	cp.Pod = pod
	return &cp
}

func sameDerivationInputs(a, b *v1.Pod) bool {
	if a.Namespace != b.Namespace || len(a.Spec.Containers) != len(b.Spec.Containers) ||
		len(a.Spec.InitContainers) != len(b.Spec.InitContainers) {
		return false
	}
	eq := apiequality.Semantic.DeepEqual
	for i := range a.Spec.Containers {
		if !eq(a.Spec.Containers[i].Resources, b.Spec.Containers[i].Resources) {
			return false
		}
	}
	for i := range a.Spec.InitContainers {
		ai, bi := &a.Spec.InitContainers[i], &b.Spec.InitContainers[i]
		if !eq(ai.Resources, bi.Resources) || !eq(ai.RestartPolicy, bi.RestartPolicy) {
			return false
		}
	}
	return eq(a.Spec.Overhead, b.Spec.Overhead) && eq(a.Spec.Resources, b.Spec.Resources) &&
		eq(a.Spec.Affinity, b.Spec.Affinity)
}

// NewPodAffinityInfo derives a PodInfo without the resource requests, for
// plugins that only look at the pod's affinity terms: summing requests
// builds resource maps, the bulk of a PodInfo's cost.
func NewPodAffinityInfo(pod *v1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod}
	aff := pod.Spec.Affinity
	if aff == nil {
		return pi
	}
	var errs []error
	if a := aff.PodAffinity; a != nil {
		var err error
		pi.RequiredAffinity, err = newAffinityTerms(pod, a.RequiredDuringSchedulingIgnoredDuringExecution)
		errs = append(errs, err)
		pi.PreferredAff, err = newWeightedTerms(pod, a.PreferredDuringSchedulingIgnoredDuringExecution)
		errs = append(errs, err)
	}
	if a := aff.PodAntiAffinity; a != nil {
		var err error
		pi.RequiredAnti, err = newAffinityTerms(pod, a.RequiredDuringSchedulingIgnoredDuringExecution)
		errs = append(errs, err)
		pi.PreferredAnti, err = newWeightedTerms(pod, a.PreferredDuringSchedulingIgnoredDuringExecution)
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err != nil {
			pi.ParseError = err
			break
		}
	}
	return pi
}

// HasAffinity reports whether the pod has any pod (anti-)affinity term.
func (pi *PodInfo) HasAffinity() bool {
	return len(pi.RequiredAffinity)+len(pi.RequiredAnti)+len(pi.PreferredAff)+len(pi.PreferredAnti) > 0
}

// HostPort is one host port a pod uses.
type HostPort struct {
	IP       string
	Protocol v1.Protocol
	Port     int32
}

// Conflicts reports whether two host ports cannot coexist: same port and
// protocol, and the same IP or one of them on every address.
func (p HostPort) Conflicts(o HostPort) bool {
	if p.Port != o.Port || p.Protocol != o.Protocol {
		return false
	}
	return p.IP == o.IP || p.IP == "0.0.0.0" || o.IP == "0.0.0.0"
}

// PodHostPorts lists the host ports of pod's containers (init containers
// included), with upstream's defaults for empty IP and protocol.
func PodHostPorts(pod *v1.Pod) []HostPort {
	var out []HostPort
	add := func(cs []v1.Container) {
		for i := range cs {
			for _, p := range cs[i].Ports {
				if p.HostPort <= 0 {
					continue
				}
				hp := HostPort{IP: p.HostIP, Protocol: p.Protocol, Port: p.HostPort}
				if hp.IP == "" {
					hp.IP = "0.0.0.0"
				}
				if hp.Protocol == "" {
					hp.Protocol = v1.ProtocolTCP
				}
				out = append(out, hp)
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	return out
}

// NodeInfo is the scheduler's view of one node: the node and the pods on
// it (bound or assumed), with their summed requests.
type NodeInfo struct {
	node *v1.Node

	Pods []*PodInfo
	// PodsWithAffinity have any pod (anti-)affinity term.
	PodsWithAffinity []*PodInfo
	// PodsWithRequiredAntiAffinity have a required anti-affinity term.
	PodsWithRequiredAntiAffinity []*PodInfo

	Requested        Resource
	NonZeroRequested Resource
	Allocatable      Resource
	UsedPorts        []HostPort
	// ImageSizes maps every name of every image on the node to its size.
	ImageSizes map[string]int64

	// Generation grows with every change (set by the cache).
	Generation int64
}

// NewNodeInfo returns a NodeInfo holding pods (no node yet).
func NewNodeInfo(pods ...*v1.Pod) *NodeInfo {
	ni := &NodeInfo{}
	for _, p := range pods {
		ni.AddPod(NewPodInfo(p))
	}
	return ni
}

// Node returns the node, nil when only pods are known.
func (n *NodeInfo) Node() *v1.Node { return n.node }

// SetNode sets the node and what derives from it.
func (n *NodeInfo) SetNode(node *v1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
	n.ImageSizes = map[string]int64{}
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			n.ImageSizes[NormalizeImageName(name)] = img.SizeBytes
		}
	}
}

// RemoveNode forgets the node but keeps its pods (they may still exist).
func (n *NodeInfo) RemoveNode() { n.node = nil }

// AddPod accounts pi on the node.
func (n *NodeInfo) AddPod(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if pi.HasAffinity() {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAnti) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.Requested.AddResource(pi.Requests)
	n.NonZeroRequested.AddResource(pi.NonZeroRequests)
	n.UsedPorts = append(n.UsedPorts, PodHostPorts(pi.Pod)...)
}

// RemovePod removes the pod with pod's UID; an error when it is not there.
func (n *NodeInfo) RemovePod(pod *v1.Pod) error {
	idx := -1
	for i, pi := range n.Pods {
		if pi.Pod.UID == pod.UID {
			idx = i
			break
		}
	}
	if idx < 0 {
		return fmt.Errorf("pod %s/%s (%s) is not on node %s", pod.Namespace, pod.Name, pod.UID, n.name())
	}
	pi := n.Pods[idx]
	n.Pods = append(n.Pods[:idx:idx], n.Pods[idx+1:]...)
	n.PodsWithAffinity = removeByUID(n.PodsWithAffinity, pod)
	n.PodsWithRequiredAntiAffinity = removeByUID(n.PodsWithRequiredAntiAffinity, pod)
	n.Requested.SubResource(pi.Requests)
	n.NonZeroRequested.SubResource(pi.NonZeroRequests)
	n.UsedPorts = nil
	for _, p := range n.Pods {
		n.UsedPorts = append(n.UsedPorts, PodHostPorts(p.Pod)...)
	}
	return nil
}

func removeByUID(list []*PodInfo, pod *v1.Pod) []*PodInfo {
	out := list[:0:0]
	for _, pi := range list {
		if pi.Pod.UID != pod.UID {
			out = append(out, pi)
		}
	}
	return out
}

func (n *NodeInfo) name() string {
	if n.node == nil {
		return "<none>"
	}
	return n.node.Name
}

// Clone copies the NodeInfo; the pods and node objects are shared (they are
// never modified in place).
func (n *NodeInfo) Clone() *NodeInfo {
	c := &NodeInfo{
		node:             n.node,
		Pods:             append([]*PodInfo(nil), n.Pods...),
		Requested:        n.Requested.Clone(),
		NonZeroRequested: n.NonZeroRequested.Clone(),
		Allocatable:      n.Allocatable.Clone(),
		UsedPorts:        append([]HostPort(nil), n.UsedPorts...),
		ImageSizes:       n.ImageSizes,
		Generation:       n.Generation,
	}
	c.PodsWithAffinity = append([]*PodInfo(nil), n.PodsWithAffinity...)
	c.PodsWithRequiredAntiAffinity = append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...)
	return c
}

// NormalizeImageName gives the name node status would report for an image
// reference: docker.io/library/ and :latest added when missing.
func NormalizeImageName(name string) string {
	if i := indexDigestOrTag(name); i < 0 {
		name += ":latest"
	}
	first := name
	if i := indexByte(name, '/'); i >= 0 {
		first = name[:i]
	} else {
		return "docker.io/library/" + name
	}
	if indexByte(first, '.') < 0 && indexByte(first, ':') < 0 && first != "localhost" {
		return "docker.io/" + name
	}
	return name
}

// indexDigestOrTag finds the ':' of a tag or the '@' of a digest in the
// last path element.
func indexDigestOrTag(name string) int {
	last := name
	off := 0
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			last, off = name[i+1:], i+1
			break
		}
	}
	for i := 0; i < len(last); i++ {
		if last[i] == ':' || last[i] == '@' {
			return off + i
		}
	}
	return -1
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}
