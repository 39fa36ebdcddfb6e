package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

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
		Scale: workload.ScaleAccess(func(d *appsv1.Deployment) workload.ScaleFields {
			return workload.ScaleFields{SpecReplicas: &d.Spec.Replicas, StatusReplicas: d.Status.Replicas, Selector: d.Spec.Selector}
		}),
	}}
}
