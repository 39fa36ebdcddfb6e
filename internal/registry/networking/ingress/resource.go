package ingress

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns networking.k8s.io/v1 ingresses.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  networkingv1.SchemeGroupVersion,
		Resource:      "ingresses",
		Kind:          "Ingress",
		Singular:      "ingress",
		ShortNames:    []string{"ing"},
		Namespaced:    true,
		New:           func() runtime.Object { return &networkingv1.Ingress{} },
		NewList:       func() runtime.Object { return &networkingv1.IngressList{} },
		StoragePrefix: "/registry/networking.k8s.io/ingresses",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
