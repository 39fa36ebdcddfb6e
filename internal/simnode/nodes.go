package simnode

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"strconv"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/version"
)

// simNode is one simulated node's fixed facts.
type simNode struct {
	index  int
	name   string
	hostIP string
	// fallback is the pod CIDR used when the node has no spec.podCIDR.
	fallback netip.Prefix
}

// hostIP gives node index i the address 172.16.0.0 + i + 1 (inside
// 172.16.0.0/12, room for a million nodes).
func hostIP(i int) string {
	v := (uint32(172)<<24 | uint32(16)<<16) + uint32(i) + 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func newSimNodes(cfg Config) []simNode {
	nodes := make([]simNode, cfg.Nodes)
	for i := range nodes {
		nodes[i] = simNode{
			index:    i,
			name:     cfg.NamePrefix + strconv.Itoa(i),
			hostIP:   hostIP(i),
			fallback: fallbackCIDR(i),
		}
	}
	return nodes
}

// nodeLabels are the labels of a simulated node.
func nodeLabels(cfg Config, n simNode) map[string]string {
	l := map[string]string{}
	maps.Copy(l, cfg.Labels)
	l[LabelType] = LabelTypeValue
	l[v1.LabelHostname] = n.name
	l[v1.LabelOSStable] = "linux"
	l[v1.LabelArchStable] = "amd64"
	if cfg.Zones > 0 {
		l[v1.LabelTopologyZone] = "zone-" + strconv.Itoa(n.index%cfg.Zones)
		l[v1.LabelTopologyRegion] = "region-0"
	}
	return l
}

// nodeConditions are the conditions of a healthy kubelet, with the
// kubelet's reasons and messages.
func nodeConditions(now metav1.Time) []v1.NodeCondition {
	cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		return v1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []v1.NodeCondition{
		cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
	}
}

// nodeStatus is the status a simulated node posts.
func nodeStatus(cfg Config, n simNode, now metav1.Time) v1.NodeStatus {
	capacity := v1.ResourceList{
		v1.ResourceCPU:              cfg.CPU,
		v1.ResourceMemory:           cfg.Memory,
		v1.ResourcePods:             cfg.Pods,
		v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	return v1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Phase:       v1.NodeRunning,
		Conditions:  nodeConditions(now),
		Addresses: []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: n.hostIP},
			{Type: v1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: 10250}},
		NodeInfo: v1.NodeSystemInfo{
			MachineID:               "sim-" + n.name,
			SystemUUID:              "sim-" + n.name,
			BootID:                  "sim-" + n.name,
			KernelVersion:           "simulated",
			OSImage:                 "Nauta simulated node",
			ContainerRuntimeVersion: "simulated://" + version.KubernetesVersion,
			KubeletVersion:          version.KubernetesVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
}

func newNode(cfg Config, n simNode, now metav1.Time) *v1.Node {
	return &v1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        n.name,
			Labels:      nodeLabels(cfg, n),
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: nodeStatus(cfg, n, now),
	}
}

// registerNode creates the node, or when it exists (a previous run) makes
// its labels and status ours again. It returns the stored node.
func (r *Runner) registerNode(ctx context.Context, n simNode) (*v1.Node, error) {
	now := metav1.Now()
	want := newNode(r.cfg, n, now)
	created, err := r.client.CoreV1().Nodes().Create(ctx, want, metav1.CreateOptions{})
	if err == nil {
		return created, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create node %s: %w", n.name, err)
	}
	current, err := r.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get node %s: %w", n.name, err)
	}
	if current.Labels == nil {
		current.Labels = map[string]string{}
	}
	maps.Copy(current.Labels, want.Labels)
	updated, err := r.client.CoreV1().Nodes().Update(ctx, current, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update node %s: %w", n.name, err)
	}
	updated.Status = want.Status
	updated, err = r.client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update status of node %s: %w", n.name, err)
	}
	return updated, nil
}
