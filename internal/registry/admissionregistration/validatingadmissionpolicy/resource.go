package validatingadmissionpolicy

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns admissionregistration.k8s.io/v1 validatingadmissionpolicies.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  admissionregistrationv1.SchemeGroupVersion,
		Resource:      "validatingadmissionpolicies",
		Kind:          "ValidatingAdmissionPolicy",
		Singular:      "validatingadmissionpolicy",
		New:           func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicy{} },
		NewList:       func() runtime.Object { return &admissionregistrationv1.ValidatingAdmissionPolicyList{} },
		StoragePrefix: "/registry/admissionregistration.k8s.io/validatingadmissionpolicies",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
