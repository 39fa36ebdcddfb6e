package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Waiting reasons, as upstream reports them.
const (
	reasonContainerCreating          = "ContainerCreating"
	reasonPodInitializing            = "PodInitializing"
	reasonCrashLoopBackOff           = "CrashLoopBackOff"
	reasonCreateContainerConfigError = "CreateContainerConfigError"
	reasonCreateContainerError       = "CreateContainerError"
	reasonRunContainerError          = "RunContainerError"
	reasonErrImagePull               = "ErrImagePull"
	reasonImagePullBackOff           = "ImagePullBackOff"
	reasonErrImageNeverPull          = "ErrImageNeverPull"
)

// errWaiting is a container start failure with the waiting reason to show.
type errWaiting struct {
	reason, message string
}

func (e *errWaiting) Error() string { return e.reason + ": " + e.message }

// syncRunningPod makes sure the pod has a ready sandbox, runs its init
// containers in order, then keeps its app containers running as the restart
// policy says.
func (k *Kubelet) syncRunningPod(ctx context.Context, w *podWorker, pod *v1.Pod, log *slog.Logger) error {
	rp, err := k.getRuntimePod(ctx, pod.UID)
	if err != nil {
		return err
	}
	sb := rp.readySandbox()
	if sb == nil {
		if len(rp.sandboxes) > 0 && pod.Spec.RestartPolicy == v1.RestartPolicyNever && allAppContainersRan(pod, rp) {
			return nil // nothing would run in a new sandbox
		}
		// Leftovers of a dead sandbox stop; they stay for restart counts.
		if err := k.stopPodContainers(ctx, pod.UID, nil, minGracePeriod); err != nil {
			return err
		}
		if err := k.stopSandboxes(ctx, pod.UID); err != nil {
			return err
		}
		if _, err := k.runSandbox(ctx, pod, uint32(len(rp.sandboxes))); err == nil {
			k.metrics.startedPods.Inc()
		} else {
			var volErr *errVolumeSetup
			if errors.As(err, &volErr) {
				k.event(pod, v1.EventTypeWarning, eventFailedMount, "%v", volErr)
			} else {
				k.event(pod, v1.EventTypeWarning, eventFailedSandbox, "Failed to create pod sandbox: %v", err)
			}
			w.sandboxErr = err.Error()
			return err
		}
		w.sandboxErr = ""
		if rp, err = k.getRuntimePod(ctx, pod.UID); err != nil {
			return err
		}
		if sb = rp.readySandbox(); sb == nil {
			return errors.New("sandbox not ready after start")
		}
	}
	k.objects.track(ctx, pod)
	k.updateVolumes(ctx, w, pod, log)
	sbStatus, err := k.runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb.Id})
	if err != nil {
		return fmt.Errorf("sandbox status: %w", err)
	}
	podIPs := sandboxIPs(pod, sbStatus.Status, k.cfg.NodeIP)

	initialized := false // an app container ran: sidecar restarts do not block
	for _, c := range pod.Spec.Containers {
		if rp.latest(c.Name) != nil {
			initialized = true
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		latest := rp.latest(c.Name)
		if isSidecar(c) {
			// A sidecar (restartPolicy Always) only has to be running for
			// the next init container to start, and always restarts.
			switch {
			case latest == nil:
				return k.startContainer(ctx, w, pod, c, sb, podIPs, nil, log)
			case latest.running():
				k.probeContainer(ctx, w, pod, c, latest, podIPs, log)
				continue
			default:
				_ = k.restartContainer(ctx, w, pod, c, sb, podIPs, latest, log)
				if !initialized {
					return nil
				}
				continue
			}
		}
		switch {
		case latest == nil:
			return k.startContainer(ctx, w, pod, c, sb, podIPs, nil, log)
		case latest.running():
			return nil
		case latest.exited() && latest.status.ExitCode == 0:
			continue
		case pod.Spec.RestartPolicy == v1.RestartPolicyNever:
			return nil // the pod fails
		default:
			return k.restartContainer(ctx, w, pod, c, sb, podIPs, latest, log)
		}
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		latest := rp.latest(c.Name)
		switch {
		case latest == nil:
			_ = k.startContainer(ctx, w, pod, c, sb, podIPs, nil, log)
		case latest.running():
			k.probeContainer(ctx, w, pod, c, latest, podIPs, log)
		case !latest.exited():
			// Created but never started (a failed start): try again.
			_ = k.restartContainer(ctx, w, pod, c, sb, podIPs, latest, log)
		case shouldRestart(pod.Spec.RestartPolicy, latest.status.ExitCode):
			_ = k.restartContainer(ctx, w, pod, c, sb, podIPs, latest, log)
		default:
			delete(w.waiting, c.Name)
		}
	}
	return nil
}

func shouldRestart(policy v1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case v1.RestartPolicyNever:
		return false
	case v1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

// allAppContainersRan is true when every app container has a container.
func allAppContainersRan(pod *v1.Pod, rp *runtimePod) bool {
	for _, c := range pod.Spec.Containers {
		if rp.latest(c.Name) == nil {
			return false
		}
	}
	return true
}

func backoffKey(pod *v1.Pod, name string) string { return string(pod.UID) + "/" + name }

// restartContainer starts a new instance of a dead container unless it is in
// crash-loop back-off.
func (k *Kubelet) restartContainer(ctx context.Context, w *podWorker, pod *v1.Pod, c *v1.Container,
	sb *runtimeapi.PodSandbox, podIPs []string, dead *runtimeContainer, log *slog.Logger) error {
	key := backoffKey(pod, c.Name)
	finished := dead.finishedAt()
	if dead.status.FinishedAt == 0 {
		finished = time.Unix(0, dead.status.CreatedAt)
	}
	now := time.Now()
	if left := k.crashBackoff.waitSince(key, finished, now); left > 0 {
		if w.waiting[c.Name] == nil || w.waiting[c.Name].Reason != reasonCrashLoopBackOff {
			k.event(pod, v1.EventTypeWarning, eventBackOff, "Back-off restarting failed container %s in pod %s_%s(%s)",
				c.Name, pod.Name, pod.Namespace, pod.UID)
		}
		w.waiting[c.Name] = &v1.ContainerStateWaiting{
			Reason: reasonCrashLoopBackOff,
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				k.crashBackoff.current(key), c.Name, pod.Name, pod.Namespace, pod.UID),
		}
		return nil
	}
	ranFor := time.Duration(0)
	if dead.status.StartedAt != 0 && dead.status.FinishedAt != 0 {
		ranFor = finished.Sub(dead.startedAt())
	}
	k.crashBackoff.next(key, finished, ranFor)
	return k.startContainer(ctx, w, pod, c, sb, podIPs, dead, log)
}

// startContainer pulls the image, creates and starts one container. prev is
// the container it replaces (nil for the first one).
func (k *Kubelet) startContainer(ctx context.Context, w *podWorker, pod *v1.Pod, c *v1.Container,
	sb *runtimeapi.PodSandbox, podIPs []string, prev *runtimeContainer, log *slog.Logger) error {
	err := k.createAndStart(ctx, pod, c, sb, podIPs, prev)
	old := w.waiting[c.Name]
	containerType := "container"
	if isInitContainer(pod, c.Name) {
		containerType = "init_container"
	}
	if err == nil {
		k.metrics.startedContainers.WithLabelValues(containerType).Inc()
	} else {
		code := reasonCreateContainerError
		var we *errWaiting
		if errors.As(err, &we) {
			code = we.reason
		}
		k.metrics.startErrors.WithLabelValues(code, containerType).Inc()
		// Failures repeat every sync: log only a change of reason.
		if old == nil || !strings.HasPrefix(err.Error(), old.Reason+":") {
			log.Info("container did not start", "container", c.Name, "err", err)
		}
	}
	var we *errWaiting
	if errors.As(err, &we) {
		imageErr := we.reason == reasonImagePullBackOff || we.reason == reasonErrImagePull || we.reason == reasonErrImageNeverPull
		if !imageErr && (old == nil || old.Reason != we.reason) {
			k.event(pod, v1.EventTypeWarning, eventFailed, "Error: %s", we.message)
		}
		w.waiting[c.Name] = &v1.ContainerStateWaiting{Reason: we.reason, Message: we.message}
		return err
	}
	if err != nil {
		w.waiting[c.Name] = &v1.ContainerStateWaiting{Reason: reasonCreateContainerError, Message: err.Error()}
		return err
	}
	delete(w.waiting, c.Name)
	log.Info("started container", "container", c.Name)
	return nil
}

func (k *Kubelet) createAndStart(ctx context.Context, pod *v1.Pod, c *v1.Container,
	sb *runtimeapi.PodSandbox, podIPs []string, prev *runtimeContainer) error {
	imageRef, err := k.ensureImage(ctx, pod, c)
	if err != nil {
		return err
	}
	attempt := 0
	if prev != nil {
		attempt = prev.restartCount + 1
	}
	sbConfig := k.sandboxConfig(pod, sb.Metadata.Attempt)
	cfg, err := k.containerConfig(ctx, pod, c, imageRef, attempt, podIPs)
	if err != nil {
		return &errWaiting{reason: reasonCreateContainerConfigError, message: err.Error()}
	}
	created, err := k.runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: sb.Id, Config: cfg, SandboxConfig: sbConfig,
	})
	if err != nil {
		return &errWaiting{reason: reasonCreateContainerError, message: err.Error()}
	}
	k.event(pod, v1.EventTypeNormal, eventCreated, "Created container: %s", c.Name)
	if _, err := k.runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: created.ContainerId}); err != nil {
		return &errWaiting{reason: reasonRunContainerError, message: err.Error()}
	}
	k.event(pod, v1.EventTypeNormal, eventStarted, "Started container %s", c.Name)
	// Keep the replaced container (for lastState and logs) and drop older
	// ones.
	if prev != nil {
		k.removeOlder(ctx, pod, c.Name, prev.id)
	}
	if c.Lifecycle != nil && c.Lifecycle.PostStart != nil {
		if err := k.runHandler(ctx, pod, c, created.ContainerId, podIPs, c.Lifecycle.PostStart, 30*time.Second); err != nil {
			_, _ = k.runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: created.ContainerId, Timeout: 2})
			return &errWaiting{reason: "PostStartHookError", message: err.Error()}
		}
	}
	return nil
}

// removeOlder removes the containers named name older than keepID.
func (k *Kubelet) removeOlder(ctx context.Context, pod *v1.Pod, name, keepID string) {
	rp, err := k.getRuntimePod(ctx, pod.UID)
	if err != nil {
		return
	}
	seen := false
	for _, rc := range rp.containers[name] {
		if rc.id == keepID {
			seen = true
			continue
		}
		if seen && !rc.running() {
			_, _ = k.runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: rc.id})
		}
	}
}

func isInitContainer(pod *v1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// isSidecar is an init container with restartPolicy Always.
func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}
