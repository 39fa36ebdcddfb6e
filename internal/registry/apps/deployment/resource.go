package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
)

// Resources returns apps/v1 deployments.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  appsv1.SchemeGroupVersion,
		Resource:      "deployments",
		Kind:          "Deployment",
		Singular:      "deployment",
		ShortNames:    []string{"deploy"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &appsv1.Deployment{} },
		NewList:       func() runtime.Object { return &appsv1.DeploymentList{} },
		StoragePrefix: "/registry/apps/deployments",
		Strategy:      NewStrategy(),
		Status:        true,
		Scale: &registry.ScaleAccess{
			SpecReplicas:    func(obj runtime.Object) int32 { return ptr.Deref(obj.(*appsv1.Deployment).Spec.Replicas, 1) },
			SetSpecReplicas: func(obj runtime.Object, n int32) { obj.(*appsv1.Deployment).Spec.Replicas = ptr.To(n) },
			StatusReplicas:  func(obj runtime.Object) int32 { return obj.(*appsv1.Deployment).Status.Replicas },
			Selector: func(obj runtime.Object) string {
				return workload.SelectorString(obj.(*appsv1.Deployment).Spec.Selector)
			},
		},
	}}
}
