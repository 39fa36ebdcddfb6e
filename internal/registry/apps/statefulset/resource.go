package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Resources returns apps/v1 statefulsets.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  appsv1.SchemeGroupVersion,
		Resource:      "statefulsets",
		Kind:          "StatefulSet",
		Singular:      "statefulset",
		ShortNames:    []string{"sts"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &appsv1.StatefulSet{} },
		NewList:       func() runtime.Object { return &appsv1.StatefulSetList{} },
		StoragePrefix: "/registry/apps/statefulsets",
		Strategy:      NewStrategy(),
		Status:        true,
		Scale: &registry.ScaleAccess{
			SpecReplicas:    func(obj runtime.Object) int32 { return ptr.Deref(obj.(*appsv1.StatefulSet).Spec.Replicas, 1) },
			SetSpecReplicas: func(obj runtime.Object, n int32) { obj.(*appsv1.StatefulSet).Spec.Replicas = ptr.To(n) },
			StatusReplicas:  func(obj runtime.Object) int32 { return obj.(*appsv1.StatefulSet).Status.Replicas },
			Selector: func(obj runtime.Object) string {
				return workload.SelectorString(obj.(*appsv1.StatefulSet).Spec.Selector)
			},
		},
	}}
}
