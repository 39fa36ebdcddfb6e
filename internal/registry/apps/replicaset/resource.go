package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

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
		Scale: workload.ScaleAccess(func(rs *appsv1.ReplicaSet) workload.ScaleFields {
			return workload.ScaleFields{SpecReplicas: &rs.Spec.Replicas, StatusReplicas: rs.Status.Replicas, Selector: rs.Spec.Selector}
		}),
	}}
}
