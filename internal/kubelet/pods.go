package kubelet

import (
	"context"
	"runtime"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// housekeepingInterval is how often sandboxes of pods the API no longer has
// are removed.
const housekeepingInterval = 10 * time.Second

// runPods watches the pods bound to this node and keeps one worker per pod.
func (k *Kubelet) runPods(ctx context.Context) {
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName).String()
		}))
	inf := factory.Core().V1().Pods().Informer()
	lister := factory.Core().V1().Pods().Lister()
	dispatch := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		pod, ok := obj.(*v1.Pod)
		if !ok {
			return
		}
		k.dispatch(ctx, pod.UID, pod.Namespace, pod.Name, lister)
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    dispatch,
		UpdateFunc: func(_, obj any) { dispatch(obj) },
		DeleteFunc: dispatch,
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		factory.Shutdown()
		return
	}
	k.mu.Lock()
	k.podLister = lister
	k.mu.Unlock()
	t := time.NewTicker(housekeepingInterval)
	defer t.Stop()
	for {
		k.housekeeping(ctx, lister)
		k.rotateLogs(ctx)
		select {
		case <-ctx.Done():
			factory.Shutdown()
			return
		case <-t.C:
		}
	}
}

// dispatch wakes the pod's worker, starting it when needed.
func (k *Kubelet) dispatch(ctx context.Context, uid types.UID, namespace, name string, lister corelisters.PodLister) {
	if ctx.Err() != nil {
		return
	}
	k.mu.Lock()
	w, ok := k.workers[uid]
	if !ok {
		w = newPodWorker(uid, namespace, name)
		k.workers[uid] = w
		go k.runWorker(ctx, w, lister)
	}
	k.mu.Unlock()
	w.wake()
}

// housekeeping stops and removes sandboxes whose pod has no worker and is
// not in the informer (deleted while the kubelet was away).
func (k *Kubelet) housekeeping(ctx context.Context, lister corelisters.PodLister) {
	resp, err := k.runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		if ctx.Err() == nil {
			k.log.Warn("listing sandboxes failed", "err", err)
		}
		return
	}
	running := 0
	for _, sb := range resp.Items {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			running++
		}
	}
	k.metrics.runningPods.Set(float64(running))
	if cs, err := k.runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{}); err == nil {
		states := map[string]int{"running": 0, "exited": 0, "created": 0, "unknown": 0}
		for _, c := range cs.Containers {
			switch c.State {
			case runtimeapi.ContainerState_CONTAINER_RUNNING:
				states["running"]++
			case runtimeapi.ContainerState_CONTAINER_EXITED:
				states["exited"]++
			case runtimeapi.ContainerState_CONTAINER_CREATED:
				states["created"]++
			default:
				states["unknown"]++
			}
		}
		for s, n := range states {
			k.metrics.runningContainers.WithLabelValues(s).Set(float64(n))
		}
	}
	known := map[types.UID]bool{}
	pods, _ := lister.List(labels.Everything())
	if err := updateQOSCgroups(pods, runtime.NumCPU()); err != nil {
		k.log.Warn("QoS cgroups", "err", err)
	}
	for _, p := range pods {
		known[p.UID] = true
	}
	for _, sb := range resp.Items {
		uid := types.UID(sb.Labels[labelPodUID])
		if uid == "" || known[uid] {
			continue
		}
		k.mu.Lock()
		_, busy := k.workers[uid]
		k.mu.Unlock()
		if busy {
			continue
		}
		// A pod we do not know: run a worker, which finds no pod and
		// cleans up.
		k.dispatch(ctx, uid, sb.Metadata.GetNamespace(), sb.Metadata.GetName(), lister)
	}
}
