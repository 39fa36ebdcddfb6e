package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

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
		Scale: workload.ScaleAccess(func(s *appsv1.StatefulSet) workload.ScaleFields {
			return workload.ScaleFields{SpecReplicas: &s.Spec.Replicas, StatusReplicas: s.Status.Replicas, Selector: s.Spec.Selector}
		}),
	}}
}
