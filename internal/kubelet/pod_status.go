package kubelet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	v1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Termination message limits, as upstream: the file is read up to 4 KiB;
// the log fallback takes the last 80 lines up to 2 KiB.
const (
	maxTerminationMessage = 4096
	fallbackLogLines      = 80
	fallbackLogBytes      = 2048
)

// publishStatus computes the pod's status and patches it through the status
// subresource when it changed.
func (k *Kubelet) publishStatus(ctx context.Context, w *podWorker, pod *v1.Pod, log *slog.Logger) {
	rp, err := k.getRuntimePod(ctx, pod.UID)
	if err != nil {
		log.Warn("reading the runtime state failed", "err", err)
		return
	}
	status := k.podStatus(ctx, w, pod, rp, time.Now())
	if apiequality.Semantic.DeepEqual(pod.Status, status) {
		return
	}
	if w.lastStatus != nil && apiequality.Semantic.DeepEqual(*w.lastStatus, status) &&
		pod.ResourceVersion == w.lastStatusRV {
		return // posted; the informer has not caught up yet
	}
	oldJSON, err := json.Marshal(v1.Pod{Status: pod.Status})
	if err != nil {
		return
	}
	newJSON, err := json.Marshal(v1.Pod{Status: status})
	if err != nil {
		return
	}
	patch, err := jsonpatch.CreateMergePatch(oldJSON, newJSON)
	if err != nil {
		log.Warn("building the status patch failed", "err", err)
		return
	}
	if _, err := k.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch,
		metav1.PatchOptions{}, "status"); err != nil {
		if ctx.Err() == nil {
			log.Warn("patching the pod status failed", "err", err)
		}
		return
	}
	w.lastStatus = &status
	w.lastStatusRV = pod.ResourceVersion
}

// podStatus is the status the pod has now.
func (k *Kubelet) podStatus(ctx context.Context, w *podWorker, pod *v1.Pod, rp *runtimePod, now time.Time) v1.PodStatus {
	old := pod.Status
	st := v1.PodStatus{
		QOSClass:  qosClass(pod),
		HostIP:    k.cfg.NodeIP,
		HostIPs:   []v1.HostIP{{IP: k.cfg.NodeIP}},
		StartTime: old.StartTime,
		Reason:    old.Reason,
		Message:   old.Message,
	}
	if st.StartTime == nil {
		t := metav1.NewTime(now.Truncate(time.Second))
		st.StartTime = &t
	}
	sb := rp.readySandbox()
	if sb != nil {
		if sbs, err := k.runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb.Id}); err == nil {
			for _, ip := range sandboxIPs(pod, sbs.Status, k.cfg.NodeIP) {
				st.PodIPs = append(st.PodIPs, v1.PodIP{IP: ip})
			}
		}
	} else if len(rp.sandboxes) > 0 {
		st.PodIPs = old.PodIPs // a stopped sandbox keeps its last IPs
	}
	if len(st.PodIPs) > 0 {
		st.PodIP = st.PodIPs[0].IP
	}

	initDone := true
	var incompleteInit []string
	initFailed := false
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := k.containerStatus(w, c, rp, !initDone, true)
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		if t := cs.State.Terminated; t != nil && t.ExitCode == 0 && !isSidecar(c) {
			continue
		}
		if isSidecar(c) && (cs.State.Running != nil && cs.Started != nil && *cs.Started || cs.LastTerminationState.Terminated != nil) {
			continue
		}
		if t := cs.State.Terminated; t != nil && pod.Spec.RestartPolicy == v1.RestartPolicyNever && !isSidecar(c) {
			initFailed = true
		}
		initDone = false
		incompleteInit = append(incompleteInit, c.Name)
	}
	var unready []string
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		cs := k.containerStatus(w, c, rp, !initDone, false)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		if !cs.Ready {
			unready = append(unready, c.Name)
		}
	}
	sort.Slice(st.ContainerStatuses, func(i, j int) bool { return st.ContainerStatuses[i].Name < st.ContainerStatuses[j].Name })

	st.Phase = podPhase(pod, st.ContainerStatuses, initDone, initFailed)
	if w.evictMessage != "" {
		st.Phase = v1.PodFailed
	}
	st.Conditions = podConditions(pod, old.Conditions, st.Phase, sb != nil, incompleteInit, unready, now)
	if w.evictMessage != "" {
		evictedStatus(&st, w.evictMessage, now)
	}
	return st
}

// podPhase follows upstream's rules over the app container statuses.
func podPhase(pod *v1.Pod, statuses []v1.ContainerStatus, initDone, initFailed bool) v1.PodPhase {
	if initFailed {
		return v1.PodFailed
	}
	if !initDone {
		return v1.PodPending
	}
	var running, waiting, stopped, succeeded int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return v1.PodPending
	case running > 0:
		return v1.PodRunning
	case stopped > 0:
		switch {
		case pod.Spec.RestartPolicy == v1.RestartPolicyAlways:
			return v1.PodRunning
		case stopped == succeeded:
			return v1.PodSucceeded
		case pod.Spec.RestartPolicy == v1.RestartPolicyNever:
			return v1.PodFailed
		default:
			return v1.PodRunning
		}
	}
	return v1.PodPending
}

// podConditions builds the kubelet-owned conditions, keeping the others
// (PodScheduled, DisruptionTarget, readiness gates) and unchanged
// transition times.
func podConditions(pod *v1.Pod, old []v1.PodCondition, phase v1.PodPhase, sandboxReady bool,
	incompleteInit, unready []string, now time.Time) []v1.PodCondition {
	cond := func(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: v1.ConditionFalse}
		if ok {
			c.Status = v1.ConditionTrue
		} else {
			c.Reason, c.Message = reason, msg
		}
		return c
	}
	list := func(names []string) string { return "[" + strings.Join(names, " ") + "]" }

	containersReason, containersMsg := "ContainersNotReady", "containers with unready status: "+list(unready)
	if phase == v1.PodSucceeded || phase == v1.PodFailed {
		containersReason, containersMsg = "PodCompleted", ""
		if phase == v1.PodFailed {
			containersReason, containersMsg = "PodFailed", ""
		}
	}
	initReason, initMsg := "ContainersNotInitialized", "containers with incomplete status: "+list(incompleteInit)
	if phase == v1.PodSucceeded && len(incompleteInit) == 0 {
		initReason = "PodCompleted"
	}
	ready := len(unready) == 0 && phase == v1.PodRunning
	want := []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, sandboxReady, "", ""),
		cond(v1.PodInitialized, len(incompleteInit) == 0, initReason, initMsg),
		cond(v1.PodReady, ready, containersReason, containersMsg),
		cond(v1.ContainersReady, ready, containersReason, containersMsg),
	}
	owned := map[v1.PodConditionType]bool{}
	for _, c := range want {
		owned[c.Type] = true
	}
	hasScheduled := false
	for _, o := range old {
		if o.Type == v1.PodScheduled {
			hasScheduled = true
		}
	}
	if !hasScheduled {
		want = append(want, v1.PodCondition{Type: v1.PodScheduled, Status: v1.ConditionTrue})
	}
	for _, o := range old {
		if !owned[o.Type] {
			want = append(want, o)
		}
	}
	mnow := metav1.NewTime(now.Truncate(time.Second))
	for i := range want {
		if !want[i].LastTransitionTime.IsZero() {
			continue
		}
		want[i].LastTransitionTime = mnow
		for _, o := range old {
			if o.Type == want[i].Type && o.Status == want[i].Status {
				want[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return want
}

// containerStatus is one container's status from the runtime and the
// worker's last waiting reason.
func (k *Kubelet) containerStatus(w *podWorker, c *v1.Container, rp *runtimePod, initPending, isInit bool) v1.ContainerStatus {
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image}
	waiting := w.waiting[c.Name]
	latest := rp.latest(c.Name)
	if latest == nil {
		if waiting == nil {
			reason := reasonContainerCreating
			if initPending || isInit {
				reason = reasonPodInitializing
			}
			waiting = &v1.ContainerStateWaiting{Reason: reason}
		}
		cs.State.Waiting = waiting
		cs.Started = ptrBool(false)
		return cs
	}
	cs.RestartCount = int32(latest.restartCount)
	cs.ContainerID = k.containerID(latest.id)
	cs.ImageID = latest.status.ImageRef
	if prev := rp.previous(c.Name); prev != nil && prev.exited() {
		cs.LastTerminationState.Terminated = k.terminated(c, prev)
	}
	switch {
	case latest.running():
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: seconds(latest.status.StartedAt)}
		ps := w.probes[latest.id]
		cs.Started = ptrBool(ps == nil || ps.started)
		cs.Ready = ps == nil && c.ReadinessProbe == nil || ps != nil && ps.ready && ps.started
		if isInit && !isSidecar(c) {
			cs.Ready = false
		}
	case latest.exited() && waiting != nil:
		cs.State.Waiting = waiting
		cs.LastTerminationState.Terminated = k.terminated(c, latest)
		cs.Started = ptrBool(false)
	case latest.exited():
		cs.State.Terminated = k.terminated(c, latest)
		cs.Started = ptrBool(false)
		cs.Ready = isInit && latest.status.ExitCode == 0
	default:
		if waiting == nil {
			waiting = &v1.ContainerStateWaiting{Reason: reasonContainerCreating}
		}
		cs.State.Waiting = waiting
		cs.Started = ptrBool(false)
	}
	return cs
}

func ptrBool(b bool) *bool { return &b }

// seconds is a CRI nanosecond timestamp at the API's one-second precision,
// so that recomputed statuses compare equal to stored ones.
func seconds(ns int64) metav1.Time { return metav1.NewTime(time.Unix(ns/1e9, 0)) }

// containerID is "<runtime>://<id>", e.g. containerd://abc.
func (k *Kubelet) containerID(id string) string {
	name, _, _ := strings.Cut(k.runtimeVersion, "://")
	if name == "" {
		name = "containerd"
	}
	return name + "://" + id
}

func (k *Kubelet) terminated(c *v1.Container, rc *runtimeContainer) *v1.ContainerStateTerminated {
	s := rc.status
	t := &v1.ContainerStateTerminated{
		ExitCode:    s.ExitCode,
		Reason:      s.Reason,
		StartedAt:   seconds(s.StartedAt),
		FinishedAt:  seconds(s.FinishedAt),
		ContainerID: k.containerID(rc.id),
	}
	if t.Reason == "" {
		t.Reason = "Completed"
		if s.ExitCode != 0 {
			t.Reason = "Error"
		}
	}
	t.Message = terminationMessage(c, s)
	return t
}

// terminationMessage reads the container's termination message file, or the
// tail of its log for FallbackToLogsOnError when the file is empty and the
// container failed.
func terminationMessage(c *v1.Container, s *runtimeapi.ContainerStatus) string {
	msg := s.Message
	if file := s.Annotations[annotationTermMessageFile]; file != "" {
		if f, err := os.Open(file); err == nil {
			b, _ := io.ReadAll(io.LimitReader(f, maxTerminationMessage))
			f.Close()
			if len(b) > 0 {
				msg = string(b)
			}
		}
	}
	if msg == "" && s.ExitCode != 0 && c.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError {
		msg = logTail(s.LogPath, fallbackLogLines, fallbackLogBytes)
	}
	return msg
}

// logTail returns the last lines of a CRI-format log ("<time> <stream>
// <P|F> <text>"), at most maxBytes.
func logTail(path string, lines, maxBytes int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var out []string
	for _, line := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		parts := bytes.SplitN(line, []byte(" "), 4)
		if len(parts) < 4 {
			continue
		}
		text := string(parts[3])
		if string(parts[2]) == "P" && len(out) > 0 {
			out[len(out)-1] += text
			continue
		}
		out = append(out, text)
	}
	if len(out) > lines {
		out = out[len(out)-lines:]
	}
	msg := strings.Join(out, "\n")
	if msg != "" {
		msg += "\n"
	}
	if len(msg) > maxBytes {
		msg = msg[len(msg)-maxBytes:]
	}
	return msg
}

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second)) }
