// Package lease holds the coordination.k8s.io/v1 Lease resource used for
// leader election and node heartbeats: validation and table columns.
//
// It must not do I/O or interpret who holds a lease.
package lease
