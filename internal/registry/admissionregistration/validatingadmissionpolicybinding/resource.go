package validatingadmissionpolicybinding

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns admissionregistration.k8s.io/v1 validatingadmissionpolicybindings.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  admissionregistrationv1.SchemeGroupVersion,
		Resource:      "validatingadmissionpolicybindings",
		Kind:          "ValidatingAdmissionPolicyBinding",
		Singular:      "validatingadmissionpolicybinding",
		New:           func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{} },
		NewList:       func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{} },
		StoragePrefix: "/registry/admissionregistration.k8s.io/validatingadmissionpolicybindings",
		Strategy:      NewStrategy(),
	}}
}
