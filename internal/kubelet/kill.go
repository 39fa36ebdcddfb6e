package kubelet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// minGracePeriod is what StopContainer gets at least after a preStop hook
// used up the grace period, as upstream does.
const minGracePeriod = 2

// killPod stops every running container of the pod (running preStop hooks
// first when pod is known) within grace seconds, then stops and removes its
// sandboxes and containers.
func (k *Kubelet) killPod(ctx context.Context, w *podWorker, pod *v1.Pod, grace int64) error {
	if err := k.stopPodContainers(ctx, w.uid, pod, grace); err != nil {
		return err
	}
	rp, err := k.getRuntimePod(ctx, w.uid)
	if err != nil {
		return err
	}
	var errs []error
	for _, sb := range rp.sandboxes {
		if _, err := k.runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox %s: %w", sb.Id, err))
			continue
		}
		if _, err := k.runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("remove sandbox %s: %w", sb.Id, err))
		}
	}
	return errors.Join(errs...)
}

// stopPodContainers stops the pod's running containers in parallel.
func (k *Kubelet) stopPodContainers(ctx context.Context, uid types.UID, pod *v1.Pod, grace int64) error {
	rp, err := k.getRuntimePod(ctx, uid)
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, list := range rp.containers {
		for _, rc := range list {
			if !rc.running() {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := k.stopContainer(ctx, pod, rc, grace); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stopContainer runs the preStop hook, then stops the container with what
// is left of the grace period.
func (k *Kubelet) stopContainer(ctx context.Context, pod *v1.Pod, rc *runtimeContainer, grace int64) error {
	if pod != nil && grace > 0 {
		if c := findContainer(pod, rc.name); c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
			start := time.Now()
			podIPs := k.podIPsOf(ctx, rc.sandboxID, pod)
			if err := k.runHandler(ctx, pod, c, rc.id, podIPs, c.Lifecycle.PreStop, time.Duration(grace)*time.Second); err != nil {
				k.log.Info("preStop hook failed", "pod", pod.Namespace+"/"+pod.Name, "container", rc.name, "err", err)
			}
			grace -= int64(time.Since(start).Seconds())
			if grace < minGracePeriod {
				grace = minGracePeriod
			}
		}
	}
	k.event(pod, v1.EventTypeNormal, eventKilling, "Stopping container %s", rc.name)
	_, err := k.runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: rc.id, Timeout: grace})
	if err != nil {
		return fmt.Errorf("stop container %s: %w", rc.name, err)
	}
	return nil
}

// stopSandboxes stops the pod's containers and sandboxes but keeps them
// (finished pods keep their logs and statuses).
func (k *Kubelet) stopSandboxes(ctx context.Context, uid types.UID) error {
	rp, err := k.getRuntimePod(ctx, uid)
	if err != nil {
		return err
	}
	for _, sb := range rp.sandboxes {
		if sb.State != runtimeapi.PodSandboxState_SANDBOX_READY {
			continue
		}
		if _, err := k.runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kubelet) podIPsOf(ctx context.Context, sandboxID string, pod *v1.Pod) []string {
	st, err := k.runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sandboxID})
	if err != nil {
		return nil
	}
	return sandboxIPs(pod, st.Status, k.cfg.NodeIP)
}

func findContainer(pod *v1.Pod, name string) *v1.Container {
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}
