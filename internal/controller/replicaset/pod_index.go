package replicaset

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// controllerIndex indexes pods by the UID of their controller, and pods
// without a controller by "orphan/<namespace>", as upstream does, so a sync
// reads the pods it may claim instead of the whole namespace.
const controllerIndex = "controllerUID"

func orphanKey(namespace string) string { return "orphan/" + namespace }

func indexByController(obj any) ([]string, error) {
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{orphanKey(pod.Namespace)}, nil
}

// addControllerIndex adds the index once: the ReplicaSet and the
// ReplicationController controllers share the pod informer.
func addControllerIndex(inf cache.SharedIndexInformer) error {
	if _, ok := inf.GetIndexer().GetIndexers()[controllerIndex]; ok {
		return nil
	}
	return inf.AddIndexers(cache.Indexers{controllerIndex: indexByController})
}

// podsOf returns the pods controlled by uid.
func (c *Controller) podsOf(uid types.UID) ([]*v1.Pod, error) {
	return c.podsAt(string(uid))
}

// orphanPods returns the pods of namespace without a controller.
func (c *Controller) orphanPods(namespace string) ([]*v1.Pod, error) {
	return c.podsAt(orphanKey(namespace))
}

func (c *Controller) podsAt(key string) ([]*v1.Pod, error) {
	objs, err := c.podIndex.ByIndex(controllerIndex, key)
	if err != nil {
		return nil, fmt.Errorf("pod index %s: %w", key, err)
	}
	pods := make([]*v1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*v1.Pod); ok {
			pods = append(pods, p)
		}
	}
	return pods, nil
}
