// Package certificatesigningrequest holds the certificates.k8s.io/v1
// CertificateSigningRequest resource: the requester identity stamped on
// create, validation of the PEM request, usages, signer name and
// conditions, the status and approval update rules, the spec.signerName
// field selector and table columns.
//
// It must not do I/O or sign anything; signing is the signer controllers'
// job. The /approval subresource is not in the registry.Resource contract
// yet: PrepareForApproval and ValidateApproval are exported for the handler
// that serves it.
package certificatesigningrequest
