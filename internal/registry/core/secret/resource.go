package secret

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns the core/v1 secrets resource.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  corev1.SchemeGroupVersion,
		Resource:      "secrets",
		Kind:          "Secret",
		Singular:      "secret",
		Namespaced:    true,
		New:           func() runtime.Object { return &corev1.Secret{} },
		NewList:       func() runtime.Object { return &corev1.SecretList{} },
		StoragePrefix: "/registry/secrets",
		Strategy:      Strategy{},
	}}
}
