package certificatesigningrequest

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns certificates.k8s.io/v1 certificatesigningrequests.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  certificatesv1.SchemeGroupVersion,
		Resource:      "certificatesigningrequests",
		Kind:          "CertificateSigningRequest",
		Singular:      "certificatesigningrequest",
		ShortNames:    []string{"csr"},
		New:           func() runtime.Object { return &certificatesv1.CertificateSigningRequest{} },
		NewList:       func() runtime.Object { return &certificatesv1.CertificateSigningRequestList{} },
		StoragePrefix: "/registry/certificates.k8s.io/certificatesigningrequests",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
