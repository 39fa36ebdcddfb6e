package simnode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// maxGrace caps how long a deleted pod lingers: there is nothing to stop.
const maxGrace = time.Second

// trimPod drops what the simulator never reads, to keep 100,000 cached
// pods small.
func trimPod(obj any) (any, error) {
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return obj, nil
	}
	pod.ManagedFields = nil
	delete(pod.Annotations, v1.LastAppliedConfigAnnotation)
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		c.Env, c.EnvFrom, c.VolumeMounts, c.Command, c.Args = nil, nil, nil, nil, nil
	}
	pod.Spec.Volumes = nil
	return pod, nil
}

func (r *Runner) onPod(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok || !r.ours(pod) {
		return
	}
	key, err := cache.MetaNamespaceKeyFunc(pod)
	if err != nil {
		return
	}
	if pod.Status.PodIP != "" && !pod.Spec.HostNetwork {
		// Seen after a restart: keep its address out of the pool.
		r.ipam.claim(pod.Spec.NodeName, r.podCIDR(pod.Spec.NodeName), r.fallback(pod.Spec.NodeName), key, pod.Status.PodIP)
	}
	if pod.DeletionTimestamp == nil && running(pod) {
		return
	}
	r.queue.Add(key)
}

func (r *Runner) onPodDelete(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*v1.Pod)
	if !ok || !r.ours(pod) {
		return
	}
	key, err := cache.MetaNamespaceKeyFunc(pod)
	if err != nil {
		return
	}
	r.ipam.release(pod.Spec.NodeName, key)
	r.deletingMu.Lock()
	delete(r.deleting, key)
	r.deletingMu.Unlock()
}

func (r *Runner) fallback(node string) netip.Prefix {
	return r.state[node].node.fallback
}

func (r *Runner) processNextPod(ctx context.Context) bool {
	key, shutdown := r.queue.Get()
	if shutdown {
		return false
	}
	defer r.queue.Done(key)
	delay, err := r.syncPod(ctx, key)
	switch {
	case err != nil && ctx.Err() == nil:
		r.logger.Debug("pod sync failed, will retry", "pod", key, "err", err)
		r.queue.AddRateLimited(key)
	case delay > 0:
		r.queue.Forget(key)
		r.queue.AddAfter(key, delay)
	default:
		r.queue.Forget(key)
	}
	return true
}

// syncPod marks one pod Running, or finishes its deletion. It returns a
// delay when the pod must be looked at again later.
func (r *Runner) syncPod(ctx context.Context, key string) (time.Duration, error) {
	obj, exists, err := r.podInformer.GetIndexer().GetByKey(key)
	if err != nil || !exists {
		return 0, err
	}
	pod := obj.(*v1.Pod)
	if !r.ours(pod) {
		return 0, nil
	}
	if r.state[pod.Spec.NodeName].stopped.Load() {
		// A kubelet that stopped reporting neither posts pod status nor
		// confirms deletions: the node lifecycle controller's Ready=False
		// must stick and evicted pods stay Terminating, as upstream.
		// ResumeHeartbeat queues the node's pods again.
		return 0, nil
	}
	if pod.DeletionTimestamp != nil {
		return r.finishDeletion(ctx, key, pod)
	}
	if running(pod) {
		return 0, nil
	}
	node := r.state[pod.Spec.NodeName].node
	ip := node.hostIP
	if !pod.Spec.HostNetwork {
		ip, err = r.ipam.allocate(node.name, r.podCIDR(node.name), node.fallback, key)
		if err != nil {
			return 0, err
		}
	}
	status := runningStatus(pod, ip, node.hostIP, metav1.Now())
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return 0, err
	}
	_, err = r.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("patch status of pod %s: %w", key, err)
	}
	return 0, nil
}

// finishDeletion removes a deleted pod for good once min(grace, 1s) has
// passed since the simulator first saw the deletion.
func (r *Runner) finishDeletion(ctx context.Context, key string, pod *v1.Pod) (time.Duration, error) {
	grace := maxGrace
	if pod.DeletionGracePeriodSeconds != nil {
		grace = min(grace, time.Duration(*pod.DeletionGracePeriodSeconds)*time.Second)
	}
	now := time.Now()
	r.deletingMu.Lock()
	first, ok := r.deleting[key]
	if !ok {
		first = now
		r.deleting[key] = now
	}
	r.deletingMu.Unlock()
	if wait := first.Add(grace).Sub(now); wait > 0 {
		return wait, nil
	}
	zero := int64(0)
	uid := pod.UID
	err := r.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, fmt.Errorf("delete pod %s: %w", key, err)
	}
	return 0, nil
}

// running says the pod already shows what the simulator would write.
func running(pod *v1.Pod) bool {
	if pod.Status.Phase != v1.PodRunning || pod.Status.PodIP == "" ||
		len(pod.Status.ContainerStatuses) != len(pod.Spec.Containers) {
		return false
	}
	want := v1.ConditionFalse
	if gatesPassed(pod) {
		want = v1.ConditionTrue
	}
	return conditionStatus(pod, v1.PodReady) == want
}

func conditionStatus(pod *v1.Pod, t v1.PodConditionType) v1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// gatesPassed says whether every readiness gate's condition is True: like
// the kubelet, the simulator reports Ready only then.
func gatesPassed(pod *v1.Pod) bool {
	for _, g := range pod.Spec.ReadinessGates {
		if conditionStatus(pod, g.ConditionType) != v1.ConditionTrue {
			return false
		}
	}
	return true
}

// fakeID is a stable 64-hex-digit id derived from parts.
func fakeID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runningStatus is the status a kubelet would post for a pod whose
// containers all started and passed their probes.
func runningStatus(pod *v1.Pod, podIP, hostIP string, now metav1.Time) v1.PodStatus {
	start := now
	if pod.Status.StartTime != nil {
		start = *pod.Status.StartTime
	}
	cond := func(t v1.PodConditionType, s v1.ConditionStatus, reason string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: now}
		for _, old := range pod.Status.Conditions {
			if old.Type == t && old.Status == s {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		return c
	}
	ready := cond(v1.PodReady, v1.ConditionTrue, "")
	if !gatesPassed(pod) {
		ready = cond(v1.PodReady, v1.ConditionFalse, "ReadinessGatesNotReady")
	}
	conditions := []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, v1.ConditionTrue, ""),
		cond(v1.PodInitialized, v1.ConditionTrue, ""),
		ready,
		cond(v1.ContainersReady, v1.ConditionTrue, ""),
		cond(v1.PodScheduled, v1.ConditionTrue, ""),
	}
	// A merge patch replaces the whole list: keep conditions others own
	// (readiness gates, DisruptionTarget, ...).
	for _, old := range pod.Status.Conditions {
		switch old.Type {
		case v1.PodReadyToStartContainers, v1.PodInitialized, v1.PodReady, v1.ContainersReady, v1.PodScheduled:
		default:
			conditions = append(conditions, old)
		}
	}
	status := v1.PodStatus{
		Phase:      v1.PodRunning,
		Conditions: conditions,
		HostIP:     hostIP,
		HostIPs:    []v1.HostIP{{IP: hostIP}},
		PodIP:      podIP,
		PodIPs:     []v1.PodIP{{IP: podIP}},
		StartTime:  &start,
		QOSClass:   pod.Status.QOSClass,
	}
	container := func(c v1.Container) v1.ContainerStatus {
		started := true
		return v1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     "sha256:" + fakeID("image", c.Image),
			ContainerID: "simulated://" + fakeID(string(pod.UID), c.Name),
			Ready:       true,
			Started:     &started,
			State:       v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: start}},
		}
	}
	for _, c := range pod.Spec.InitContainers {
		s := container(c)
		if c.RestartPolicy == nil || *c.RestartPolicy != v1.ContainerRestartPolicyAlways {
			// A regular init container ran to completion.
			s.State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start, ContainerID: s.ContainerID,
			}}
			s.Started = new(bool)
		}
		status.InitContainerStatuses = append(status.InitContainerStatuses, s)
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, container(c))
	}
	return status
}
