// Package namespace holds the core/v1 namespaces resource: the
// kubernetes.io/metadata.name label, the "kubernetes" finalizer and phase
// Active on create, DNS-label names, status phase rules and the table.
// Namespace deletion and finalization run elsewhere. No I/O.
package namespace
