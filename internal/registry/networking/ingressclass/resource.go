package ingressclass

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns networking.k8s.io/v1 ingressclasses.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  networkingv1.SchemeGroupVersion,
		Resource:      "ingressclasses",
		Kind:          "IngressClass",
		Singular:      "ingressclass",
		New:           func() runtime.Object { return &networkingv1.IngressClass{} },
		NewList:       func() runtime.Object { return &networkingv1.IngressClassList{} },
		StoragePrefix: "/registry/networking.k8s.io/ingressclasses",
		Strategy:      NewStrategy(),
	}}
}
