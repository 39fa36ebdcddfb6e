package endpointslice

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns discovery.k8s.io/v1 endpointslices.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  discoveryv1.SchemeGroupVersion,
		Resource:      "endpointslices",
		Kind:          "EndpointSlice",
		Singular:      "endpointslice",
		Namespaced:    true,
		New:           func() runtime.Object { return &discoveryv1.EndpointSlice{} },
		NewList:       func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
		StoragePrefix: "/registry/discovery.k8s.io/endpointslices",
		Strategy:      NewStrategy(),
	}}
}
