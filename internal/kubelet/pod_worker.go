package kubelet

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/ptr"
)

// Worker resync periods: active pods are looked at every second (there is
// no runtime event stream), finished ones rarely.
const (
	activeResync   = time.Second
	terminalResync = 10 * time.Second
)

// podWorker owns one pod: only its goroutine touches the pod's sandbox and
// containers, so syncs of one pod never race.
type podWorker struct {
	uid             types.UID
	namespace, name string
	kick            chan struct{}
	done            chan struct{}

	// waiting holds the reason a container is not running, set by the
	// last sync (image pull errors, config errors, back-off).
	waiting map[string]*v1.ContainerStateWaiting
	// probes holds readiness/liveness/startup state per container id.
	probes map[string]*probeState
	// sandboxErr is the last RunPodSandbox failure, shown in status.
	sandboxErr string
	// lastStatus is the status last posted, at the pod resourceVersion
	// it was computed from.
	lastStatus   *v1.PodStatus
	lastStatusRV string
	// volumeDigests is the payload last written per volume; volumeErrs
	// the last error updating it (logged once).
	volumeDigests map[string]string
	volumeErrs    map[string]string
	// evictMessage is set once the pod is evicted for its local storage;
	// lastStorageCheck is when its usage was last measured.
	evictMessage     string
	lastStorageCheck time.Time
}

func newPodWorker(uid types.UID, namespace, name string) *podWorker {
	return &podWorker{
		uid: uid, namespace: namespace, name: name,
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		waiting: map[string]*v1.ContainerStateWaiting{},
		probes:  map[string]*probeState{},

		volumeDigests: map[string]string{},
		volumeErrs:    map[string]string{},
	}
}

func (w *podWorker) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (k *Kubelet) runWorker(ctx context.Context, w *podWorker, lister corelisters.PodLister) {
	defer close(w.done)
	log := k.log.With("pod", w.namespace+"/"+w.name, "uid", w.uid)
	for {
		resync, finished := k.syncPod(ctx, w, lister, log)
		if finished {
			k.mu.Lock()
			delete(k.workers, w.uid)
			k.mu.Unlock()
			k.crashBackoff.forgetPrefix(string(w.uid) + "/")
			k.objects.forget(w.uid)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-time.After(resync):
		}
	}
}

// syncPod converges the node on the pod's spec once. It returns when to look
// again, or finished when the pod is gone and cleaned up.
func (k *Kubelet) syncPod(ctx context.Context, w *podWorker, lister corelisters.PodLister, log *slog.Logger) (time.Duration, bool) {
	pod, err := lister.Pods(w.namespace).Get(w.name)
	if apierrors.IsNotFound(err) || (err == nil && pod.UID != w.uid) {
		// The pod is gone from the API: tear down whatever is left.
		if err := k.killPod(ctx, w, nil, 2); err != nil {
			log.Warn("cleaning up a deleted pod failed", "err", err)
			return activeResync, false
		}
		k.removePodDirs(w)
		return 0, true
	}
	if err != nil {
		log.Warn("reading the pod failed", "err", err)
		return activeResync, false
	}

	if pod.DeletionTimestamp != nil {
		grace := int64(v1.DefaultTerminationGracePeriodSeconds)
		if pod.DeletionGracePeriodSeconds != nil {
			grace = *pod.DeletionGracePeriodSeconds
		}
		log.Info("killing pod", "gracePeriod", grace)
		if err := k.killPod(ctx, w, pod, grace); err != nil {
			log.Warn("killing the pod failed", "err", err)
			return activeResync, false
		}
		k.publishStatus(ctx, w, pod, log)
		err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			log.Warn("deleting the pod failed", "err", err)
			return activeResync, false
		}
		k.removePodDirs(w)
		log.Info("pod deleted")
		return 0, true
	}

	if isTerminal(pod.Status.Phase) {
		// Finished pods keep their containers (for logs) but no sandbox.
		if err := k.stopSandboxes(ctx, w.uid); err != nil {
			log.Warn("stopping the sandbox of a finished pod failed", "err", err)
		}
		return terminalResync, false
	}

	if k.checkEviction(ctx, w, pod, log, time.Now()) {
		k.publishStatus(ctx, w, pod, log)
		return activeResync, false
	}
	if err := k.syncRunningPod(ctx, w, pod, log); err != nil && ctx.Err() == nil {
		log.Warn("pod sync failed", "err", err)
	}
	k.publishStatus(ctx, w, pod, log)
	return activeResync, false
}

func isTerminal(p v1.PodPhase) bool { return p == v1.PodSucceeded || p == v1.PodFailed }

// podDir is DATA_DIR/pods/<uid>.
func (k *Kubelet) podDir(uid types.UID) string { return filepath.Join(k.podsDir(), string(uid)) }

// podLogDir is DATA_DIR/logs/<namespace>_<name>_<uid>, upstream's layout.
func (k *Kubelet) podLogDir(namespace, name string, uid types.UID) string {
	return filepath.Join(k.logsDir(), namespace+"_"+name+"_"+string(uid))
}

func (k *Kubelet) removePodDirs(w *podWorker) {
	if err := unmountAll(k.podDir(w.uid)); err != nil {
		k.log.Warn("unmounting pod volumes failed", "uid", w.uid, "err", err)
	}
	_ = os.RemoveAll(k.podDir(w.uid))
	_ = os.RemoveAll(k.podLogDir(w.namespace, w.name, w.uid))
	removePodCgroups(w.uid)
}
