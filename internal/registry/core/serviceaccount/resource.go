package serviceaccount

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 serviceaccounts resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "serviceaccounts",
		Kind:          "ServiceAccount",
		Singular:      "serviceaccount",
		ShortNames:    []string{"sa"},
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.ServiceAccount{} },
		NewList:       func() runtime.Object { return &corev1.ServiceAccountList{} },
		StoragePrefix: "/registry/serviceaccounts",
		Strategy:      Strategy{},
	}}
}
