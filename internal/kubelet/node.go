package kubelet

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nauta/nauta/internal/version"
)

// Node status timing, as upstream's defaults: the status is computed every
// nodeStatusUpdateFrequency and posted when it changed or when
// nodeStatusReportFrequency passed since the last post.
const (
	nodeStatusUpdateFrequency = 10 * time.Second
	nodeStatusReportFrequency = time.Minute
)

// Upstream condition reasons and messages.
const (
	reasonKubeletReady    = "KubeletReady"
	reasonKubeletNotReady = "KubeletNotReady"
)

// registerNode creates the Node, or takes over an existing one with the same
// name, and posts a first status.
func (k *Kubelet) registerNode(ctx context.Context) error {
	for {
		err := k.tryRegisterNode(ctx)
		if err == nil {
			return nil
		}
		k.log.Warn("node registration failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubelet: register node: %w", err)
		case <-time.After(2 * time.Second):
		}
	}
}

func (k *Kubelet) tryRegisterNode(ctx context.Context) error {
	nodes := k.client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node = &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName}}
		node.Labels = k.nodeLabels()
		if k.cfg.PodCIDR != "" {
			node.Spec.PodCIDR = k.cfg.PodCIDR
			node.Spec.PodCIDRs = []string{k.cfg.PodCIDR}
		}
		node, err = nodes.Create(ctx, node, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return err // the next attempt takes it over
		}
	}
	if err != nil {
		return err
	}
	// An existing Node keeps its labels; the well-known ones are refreshed.
	changed := false
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	for key, v := range k.nodeLabels() {
		if node.Labels[key] != v {
			node.Labels[key] = v
			changed = true
		}
	}
	if changed {
		if node, err = nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	k.learnPodCIDR(node)
	_, err = k.postNodeStatus(ctx, node, time.Now())
	return err
}

func (k *Kubelet) nodeLabels() map[string]string {
	l := map[string]string{
		v1.LabelHostname:          k.cfg.NodeName,
		v1.LabelOSStable:          runtime.GOOS,
		v1.LabelArchStable:        runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
	for key, v := range k.cfg.NodeLabels {
		l[key] = v
	}
	return l
}

// learnPodCIDR records the node's pod CIDR (the Node's own, else the
// configured one) and writes the CNI configuration when it changed.
func (k *Kubelet) learnPodCIDR(node *v1.Node) {
	cidr := node.Spec.PodCIDR
	if cidr == "" {
		cidr = k.cfg.PodCIDR
	}
	k.mu.Lock()
	old := k.podCIDR
	k.podCIDR = cidr
	k.mu.Unlock()
	if cidr == "" || cidr == old {
		return
	}
	if err := writeCNIConfig(k.cfg.CNIConfDir, cidr, k.cfg.CNIBridge); err != nil {
		k.log.Error("writing the CNI configuration failed", "err", err)
		return
	}
	k.log.Info("wrote the CNI configuration", "podCIDR", cidr, "dir", k.cfg.CNIConfDir)
}

// runNodeStatus posts the node status until ctx ends.
func (k *Kubelet) runNodeStatus(ctx context.Context) {
	lastPost := time.Now()
	for {
		// A node that is not ready yet (the runtime has not seen the CNI
		// configuration) is looked at every second, to turn Ready soon.
		wait := nodeStatusUpdateFrequency
		if !k.nodeReady.Load() {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			// Someone deleted the Node: register it again.
			err = k.tryRegisterNode(ctx)
			if err == nil {
				lastPost = time.Now()
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				k.log.Warn("reading the node failed", "err", err)
			}
			continue
		}
		k.learnPodCIDR(node)
		now := time.Now()
		force := now.Sub(lastPost) >= nodeStatusReportFrequency
		if !force {
			want := k.nodeStatus(ctx, node, now)
			if sameNodeStatus(node.Status, want) {
				continue
			}
		}
		if _, err := k.postNodeStatus(ctx, node, now); err != nil {
			if ctx.Err() == nil {
				k.log.Warn("posting the node status failed", "err", err)
			}
			continue
		}
		lastPost = now
	}
}

// sameNodeStatus compares statuses without heartbeat times.
func sameNodeStatus(a, b v1.NodeStatus) bool {
	strip := func(s v1.NodeStatus) v1.NodeStatus {
		s = *s.DeepCopy()
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
		return s
	}
	return apiequality.Semantic.DeepEqual(strip(a), strip(b))
}

func (k *Kubelet) postNodeStatus(ctx context.Context, node *v1.Node, now time.Time) (*v1.Node, error) {
	node = node.DeepCopy()
	node.Status = k.nodeStatus(ctx, node, now)
	for _, c := range node.Status.Conditions {
		if c.Type == v1.NodeReady {
			k.nodeReady.Store(c.Status == v1.ConditionTrue)
		}
	}
	return k.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
}

// nodeStatus computes the whole status of node at now.
func (k *Kubelet) nodeStatus(ctx context.Context, node *v1.Node, now time.Time) v1.NodeStatus {
	st := *node.Status.DeepCopy()
	capacity, err := hostCapacity(k.cfg.DataDir, k.cfg.MaxPods)
	if err != nil {
		k.log.Warn("reading the host capacity failed", "err", err)
	} else {
		st.Capacity = capacity
		st.Allocatable = capacity.DeepCopy()
	}
	hostname, _ := os.Hostname()
	st.Addresses = []v1.NodeAddress{{Type: v1.NodeInternalIP, Address: k.cfg.NodeIP}}
	if hostname != "" {
		st.Addresses = append(st.Addresses, v1.NodeAddress{Type: v1.NodeHostName, Address: hostname})
	}
	info := hostSystemInfo()
	info.ContainerRuntimeVersion = k.runtimeVersion
	info.KubeletVersion = version.KubernetesVersion
	info.KubeProxyVersion = ""
	st.NodeInfo = info
	st.DaemonEndpoints = v1.NodeDaemonEndpoints{}
	if k.cfg.ServerPort > 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = int32(k.cfg.ServerPort)
	}
	st.Phase = ""

	readyStatus, readyReason, readyMsg := v1.ConditionTrue, reasonKubeletReady, "kubelet is posting ready status"
	if msg := k.runtimeNotReady(ctx); msg != "" {
		readyStatus, readyReason, readyMsg = v1.ConditionFalse, reasonKubeletNotReady, msg
	}
	memPressure := v1.ConditionFalse
	memReason, memMsg := "KubeletHasSufficientMemory", "kubelet has sufficient memory available"
	if avail := memAvailable(); avail > 0 && avail < 100<<20 {
		memPressure, memReason, memMsg = v1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"
	}
	diskPressure := v1.ConditionFalse
	diskReason, diskMsg := "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
	if free, ok := freeFraction(k.cfg.DataDir); ok && free < diskPressureFreeFraction {
		diskPressure, diskReason, diskMsg = v1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"
	}
	st.Images = k.nodeImages(ctx)
	want := []v1.NodeCondition{
		{Type: v1.NodeMemoryPressure, Status: memPressure, Reason: memReason, Message: memMsg},
		{Type: v1.NodeDiskPressure, Status: diskPressure, Reason: diskReason, Message: diskMsg},
		{Type: v1.NodePIDPressure, Status: v1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: v1.NodeReady, Status: readyStatus, Reason: readyReason, Message: readyMsg},
	}
	mnow := metav1.NewTime(now.Truncate(time.Second))
	conds := make([]v1.NodeCondition, 0, len(want))
	for _, c := range want {
		c.LastHeartbeatTime = mnow
		c.LastTransitionTime = mnow
		for _, old := range st.Conditions {
			if old.Type == c.Type && old.Status == c.Status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		conds = append(conds, c)
	}
	st.Conditions = conds
	return st
}

// runtimeNotReady is empty when the CRI runtime and its network are ready,
// else the upstream-style message for the Ready condition.
func (k *Kubelet) runtimeNotReady(ctx context.Context) string {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := k.runtime.Status(cctx, &runtimeapi.StatusRequest{})
	if err != nil {
		return fmt.Sprintf("container runtime status check may not have completed yet: %v", err)
	}
	for _, c := range resp.GetStatus().GetConditions() {
		if c.Status {
			continue
		}
		switch c.Type {
		case runtimeapi.RuntimeReady:
			return fmt.Sprintf("container runtime not ready: %s=false reason:%s message:%s", c.Type, c.Reason, c.Message)
		case runtimeapi.NetworkReady:
			return fmt.Sprintf("container runtime network not ready: %s=false reason:%s message:%s", c.Type, c.Reason, c.Message)
		}
	}
	return ""
}

// diskPressureFreeFraction is upstream's default hard eviction threshold
// nodefs.available<10%.
const diskPressureFreeFraction = 0.10

// maxNodeImages is how many images the node status lists, as upstream.
const maxNodeImages = 50

// freeFraction is the share of dir's filesystem still available.
func freeFraction(dir string) (float64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Blocks == 0 {
		return 0, false
	}
	return float64(st.Bavail) / float64(st.Blocks), true
}

// nodeImages lists the runtime's images, biggest first.
func (k *Kubelet) nodeImages(ctx context.Context) []v1.ContainerImage {
	resp, err := k.images.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		return nil
	}
	var out []v1.ContainerImage
	for _, img := range resp.Images {
		names := append(append([]string{}, img.RepoDigests...), img.RepoTags...)
		if len(names) == 0 {
			continue
		}
		out = append(out, v1.ContainerImage{Names: names, SizeBytes: int64(img.Size)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SizeBytes > out[j].SizeBytes })
	if len(out) > maxNodeImages {
		out = out[:maxNodeImages]
	}
	return out
}
