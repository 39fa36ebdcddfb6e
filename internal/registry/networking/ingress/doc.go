// Package ingress holds the networking.k8s.io/v1 Ingress resource:
// validation of rules, paths (pathType is required), backends and TLS,
// the spec/status split and table columns.
//
// It must not do I/O or route traffic.
package ingress
