package validatingwebhookconfiguration

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns admissionregistration.k8s.io/v1 validatingwebhookconfigurations.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  admissionregistrationv1.SchemeGroupVersion,
		Resource:      "validatingwebhookconfigurations",
		Kind:          "ValidatingWebhookConfiguration",
		Singular:      "validatingwebhookconfiguration",
		New:           func() runtime.Object { return &admissionregistrationv1.ValidatingWebhookConfiguration{} },
		NewList:       func() runtime.Object { return &admissionregistrationv1.ValidatingWebhookConfigurationList{} },
		StoragePrefix: "/registry/admissionregistration.k8s.io/validatingwebhookconfigurations",
		Strategy:      NewStrategy(),
	}}
}
