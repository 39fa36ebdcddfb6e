// Package ingressclass holds the networking.k8s.io/v1 IngressClass resource:
// the parameters scope default, validation (controller is immutable) and
// table columns.
//
// It must not do I/O.
package ingressclass
