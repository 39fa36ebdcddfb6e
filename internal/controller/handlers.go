package controller

import (
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// EnqueueKey queues the namespace/name key of obj (tombstones included).
func EnqueueKey(queue workqueue.TypedRateLimitingInterface[string], obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		queue.Add(key)
	}
}

// KeyHandler queues an object's namespace/name key whenever it is added,
// updated or deleted: the handler of controllers keyed by the object they
// watch.
func KeyHandler(queue workqueue.TypedRateLimitingInterface[string]) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { EnqueueKey(queue, obj) },
		UpdateFunc: func(_, obj any) { EnqueueKey(queue, obj) },
		DeleteFunc: func(obj any) { EnqueueKey(queue, obj) },
	}
}
