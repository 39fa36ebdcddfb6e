package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Resources returns apps/v1 replicasets.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  appsv1.SchemeGroupVersion,
		Resource:      "replicasets",
		Kind:          "ReplicaSet",
		Singular:      "replicaset",
		ShortNames:    []string{"rs"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &appsv1.ReplicaSet{} },
		NewList:       func() runtime.Object { return &appsv1.ReplicaSetList{} },
		StoragePrefix: "/registry/apps/replicasets",
		Strategy:      NewStrategy(),
		Status:        true,
		Scale: &registry.ScaleAccess{
			SpecReplicas:    func(obj runtime.Object) int32 { return ptr.Deref(obj.(*appsv1.ReplicaSet).Spec.Replicas, 1) },
			SetSpecReplicas: func(obj runtime.Object, n int32) { obj.(*appsv1.ReplicaSet).Spec.Replicas = ptr.To(n) },
			StatusReplicas:  func(obj runtime.Object) int32 { return obj.(*appsv1.ReplicaSet).Status.Replicas },
			Selector: func(obj runtime.Object) string {
				return workload.SelectorString(obj.(*appsv1.ReplicaSet).Spec.Selector)
			},
		},
	}}
}
