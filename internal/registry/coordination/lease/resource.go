package lease

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns coordination.k8s.io/v1 leases.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  coordinationv1.SchemeGroupVersion,
		Resource:      "leases",
		Kind:          "Lease",
		Singular:      "lease",
		Namespaced:    true,
		New:           func() runtime.Object { return &coordinationv1.Lease{} },
		NewList:       func() runtime.Object { return &coordinationv1.LeaseList{} },
		StoragePrefix: "/registry/coordination.k8s.io/leases",
		Strategy:      NewStrategy(),
	}}
}
