package mutatingwebhookconfiguration

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns admissionregistration.k8s.io/v1 mutatingwebhookconfigurations.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  admissionregistrationv1.SchemeGroupVersion,
		Resource:      "mutatingwebhookconfigurations",
		Kind:          "MutatingWebhookConfiguration",
		Singular:      "mutatingwebhookconfiguration",
		New:           func() runtime.Object { return &admissionregistrationv1.MutatingWebhookConfiguration{} },
		NewList:       func() runtime.Object { return &admissionregistrationv1.MutatingWebhookConfigurationList{} },
		StoragePrefix: "/registry/admissionregistration.k8s.io/mutatingwebhookconfigurations",
		Strategy:      NewStrategy(),
	}}
}
