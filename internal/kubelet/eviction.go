package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
)

// Eviction of a pod whose disk emptyDir outgrew its sizeLimit, with the
// reason, message and condition upstream's eviction manager sets.
const (
	reasonEvicted      = "Evicted"
	emptyDirMessageFmt = "Usage of EmptyDir volume %q exceeds the limit %q. "
	// localStorageCheckInterval is how often a pod's emptyDir usage is
	// measured (upstream's eviction manager looks every 10 s).
	localStorageCheckInterval = 5 * time.Second
)

// emptyDirOverLimit returns the eviction message when a disk emptyDir of
// pod uses more than its sizeLimit, else "".
func (k *Kubelet) emptyDirOverLimit(pod *v1.Pod) string {
	for _, vol := range pod.Spec.Volumes {
		ed := vol.EmptyDir
		if ed == nil || ed.Medium == v1.StorageMediumMemory || ed.SizeLimit == nil || ed.SizeLimit.IsZero() {
			continue
		}
		used, err := diskUsage(k.volumeDir(pod, "empty-dir", vol.Name))
		if err != nil {
			continue
		}
		if used > ed.SizeLimit.Value() {
			return fmt.Sprintf(emptyDirMessageFmt, vol.Name, ed.SizeLimit.String())
		}
	}
	return ""
}

// checkEviction measures the pod's local storage when due and, once it is
// over a limit, kills the pod's containers. It reports whether the
// pod is being evicted (its status then says Failed/Evicted).
func (k *Kubelet) checkEviction(ctx context.Context, w *podWorker, pod *v1.Pod, log *slog.Logger, now time.Time) bool {
	if w.evictMessage == "" && now.Sub(w.lastStorageCheck) >= localStorageCheckInterval {
		w.lastStorageCheck = now
		if msg := k.emptyDirOverLimit(pod); msg != "" {
			w.evictMessage = msg
			log.Info("evicting pod", "message", msg)
			k.event(pod, v1.EventTypeWarning, reasonEvicted, "%s", msg)
		}
	}
	if w.evictMessage == "" {
		return false
	}
	// Upstream evicts with a zero grace period override.
	if err := k.stopPodContainers(ctx, pod.UID, pod, 0); err != nil {
		log.Warn("killing an evicted pod failed", "err", err)
	}
	if err := k.stopSandboxes(ctx, pod.UID); err != nil {
		log.Warn("stopping an evicted pod's sandbox failed", "err", err)
	}
	return true
}

// evictedStatus marks st as upstream marks an evicted pod.
func evictedStatus(st *v1.PodStatus, message string, now time.Time) {
	st.Phase = v1.PodFailed
	st.Reason = reasonEvicted
	st.Message = message
	for _, c := range st.Conditions {
		if c.Type == v1.DisruptionTarget && c.Status == v1.ConditionTrue {
			return
		}
	}
	kept := st.Conditions[:0:0]
	for _, c := range st.Conditions {
		if c.Type != v1.DisruptionTarget {
			kept = append(kept, c)
		}
	}
	st.Conditions = append(kept, v1.PodCondition{
		Type: v1.DisruptionTarget, Status: v1.ConditionTrue,
		Reason: v1.PodReasonTerminationByKubelet, Message: message,
		LastTransitionTime: metaTime(now),
	})
}
