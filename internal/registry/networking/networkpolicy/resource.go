package networkpolicy

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns networking.k8s.io/v1 networkpolicies.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  networkingv1.SchemeGroupVersion,
		Resource:      "networkpolicies",
		Kind:          "NetworkPolicy",
		Singular:      "networkpolicy",
		ShortNames:    []string{"netpol"},
		Namespaced:    true,
		New:           func() runtime.Object { return &networkingv1.NetworkPolicy{} },
		NewList:       func() runtime.Object { return &networkingv1.NetworkPolicyList{} },
		StoragePrefix: "/registry/networking.k8s.io/networkpolicies",
		Strategy:      NewStrategy(),
	}}
}
