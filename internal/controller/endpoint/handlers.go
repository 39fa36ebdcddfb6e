package endpoint

import (
	"fmt"
	"maps"

	v1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/controller"
)

// addHandlers queues a Service key when the Service changes and when a pod
// its selector matches (before or after the change) is added, updated or
// deleted. Both endpoint controllers use it.
func addHandlers(queue workqueue.TypedRateLimitingInterface[string], services corelisters.ServiceLister,
	svcInformer, podInformer cache.SharedIndexInformer) error {
	if _, err := svcInformer.AddEventHandler(controller.KeyHandler(queue)); err != nil {
		return fmt.Errorf("add service handler: %w", err)
	}
	if _, err := podInformer.AddEventHandler(PodHandler(queue, services)); err != nil {
		return fmt.Errorf("add pod handler: %w", err)
	}
	return nil
}

// PodHandler queues the Services a pod belongs to, before and after a change.
func PodHandler(queue workqueue.TypedRateLimitingInterface[string], services corelisters.ServiceLister) cache.ResourceEventHandler {
	enqueuePod := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		pod, ok := obj.(*v1.Pod)
		if !ok {
			return
		}
		for _, key := range ServiceKeysForPod(services, pod) {
			queue.Add(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: enqueuePod,
		UpdateFunc: func(oldObj, newObj any) {
			oldPod, ok1 := oldObj.(*v1.Pod)
			newPod, ok2 := newObj.(*v1.Pod)
			if ok1 && ok2 && oldPod.ResourceVersion == newPod.ResourceVersion {
				return
			}
			enqueuePod(newObj)
			if ok1 && ok2 && !maps.Equal(oldPod.Labels, newPod.Labels) {
				enqueuePod(oldObj)
			}
		},
		DeleteFunc: enqueuePod,
	}
}
