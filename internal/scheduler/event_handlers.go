package scheduler

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

func assigned(pod *v1.Pod) bool { return pod.Spec.NodeName != "" }

func terminal(pod *v1.Pod) bool {
	return pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
}

func asPod(obj any) (*v1.Pod, bool) {
	switch t := obj.(type) {
	case *v1.Pod:
		return t, true
	case cache.DeletedFinalStateUnknown:
		p, ok := t.Obj.(*v1.Pod)
		return p, ok
	}
	return nil, false
}

func asNode(obj any) (*v1.Node, bool) {
	switch t := obj.(type) {
	case *v1.Node:
		return t, true
	case cache.DeletedFinalStateUnknown:
		n, ok := t.Obj.(*v1.Node)
		return n, ok
	}
	return nil, false
}

// hasInterPodConstraints is true for pods another pod's arrival can help.
func hasInterPodConstraints(pod *v1.Pod) bool {
	a := pod.Spec.Affinity
	return len(pod.Spec.TopologySpreadConstraints) > 0 || a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func (st *state) addHandlers(factory informers.SharedInformerFactory) error {
	_, err := factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			pod, ok := asPod(obj)
			if !ok {
				return
			}
			st.nominator.update(pod)
			st.gated.observe(pod)
			switch {
			case terminal(pod):
			case assigned(pod):
				st.cache.AddPod(pod)
				st.queue.MoveAll(hasInterPodConstraints)
			case st.queueable(pod):
				st.queue.Add(pod)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := asPod(oldObj)
			pod, ok2 := asPod(newObj)
			if !ok1 || !ok2 {
				return
			}
			st.nominator.update(pod)
			st.gated.observe(pod)
			switch {
			case assigned(pod) && terminal(pod):
				st.cache.RemovePod(pod)
				st.queue.MoveAll(nil)
			case assigned(pod):
				if !assigned(old) {
					st.queue.Delete(pod)
				}
				st.cache.UpdatePod(pod)
				if !assigned(old) {
					st.queue.MoveAll(hasInterPodConstraints)
				}
			case st.queueable(pod):
				st.queue.Update(pod)
			default:
				st.queue.Delete(pod)
			}
		},
		DeleteFunc: func(obj any) {
			pod, ok := asPod(obj)
			if !ok {
				return
			}
			st.nominator.set(pod, "")
			if assigned(pod) {
				st.cache.RemovePod(pod)
				st.queue.MoveAll(nil)
				return
			}
			st.queue.Delete(pod)
		},
	})
	if err != nil {
		return fmt.Errorf("scheduler: pod handler: %w", err)
	}
	_, err = factory.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if node, ok := asNode(obj); ok {
				st.cache.AddNode(node)
				st.queue.MoveAll(nil)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, ok1 := asNode(oldObj)
			node, ok2 := asNode(newObj)
			if !ok1 || !ok2 {
				return
			}
			st.cache.UpdateNode(node)
			if nodeSchedulingPropertiesChanged(old, node) {
				st.queue.MoveAll(nil)
			}
		},
		DeleteFunc: func(obj any) {
			if node, ok := asNode(obj); ok {
				st.cache.RemoveNode(node)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("scheduler: node handler: %w", err)
	}
	_, err = factory.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if ns, ok := obj.(*v1.Namespace); ok {
				st.cache.SetNamespace(ns)
			}
		},
		UpdateFunc: func(_, obj any) {
			if ns, ok := obj.(*v1.Namespace); ok {
				st.cache.SetNamespace(ns)
				st.queue.MoveAll(hasInterPodConstraints)
			}
		},
		DeleteFunc: func(obj any) {
			if ns, ok := obj.(*v1.Namespace); ok {
				st.cache.RemoveNamespace(ns)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("scheduler: namespace handler: %w", err)
	}
	return nil
}

// nodeSchedulingPropertiesChanged is true when an update may let pods fit.
func nodeSchedulingPropertiesChanged(old, cur *v1.Node) bool {
	return old.Spec.Unschedulable != cur.Spec.Unschedulable ||
		!mapsEqual(old.Labels, cur.Labels) ||
		!resourceListsEqual(old.Status.Allocatable, cur.Status.Allocatable) ||
		!taintsEqual(old.Spec.Taints, cur.Spec.Taints) ||
		len(old.Status.Images) != len(cur.Status.Images)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func resourceListsEqual(a, b v1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

func taintsEqual(a, b []v1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}
