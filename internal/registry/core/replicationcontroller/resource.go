package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 replicationcontrollers resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "replicationcontrollers",
		Kind:          "ReplicationController",
		Singular:      "replicationcontroller",
		ShortNames:    []string{"rc"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.ReplicationController{} },
		NewList:       func() runtime.Object { return &corev1.ReplicationControllerList{} },
		StoragePrefix: "/registry/replicationcontrollers",
		Strategy:      NewStrategy(),
		Status:        true,
		Scale:         scale,
	}}
}

var scale = &registry.ScaleAccess{
	SpecReplicas: func(obj runtime.Object) int32 {
		rc := obj.(*corev1.ReplicationController)
		if rc.Spec.Replicas == nil {
			return 1
		}
		return *rc.Spec.Replicas
	},
	SetSpecReplicas: func(obj runtime.Object, replicas int32) {
		obj.(*corev1.ReplicationController).Spec.Replicas = &replicas
	},
	StatusReplicas: func(obj runtime.Object) int32 {
		return obj.(*corev1.ReplicationController).Status.Replicas
	},
	Selector: func(obj runtime.Object) string {
		return labels.Set(obj.(*corev1.ReplicationController).Spec.Selector).String()
	},
}
