// Package networkpolicy holds the networking.k8s.io/v1 NetworkPolicy
// resource: policyTypes and port protocol defaults, validation of peers,
// ports and IP blocks, and table columns.
//
// It must not do I/O or enforce policies.
package networkpolicy
