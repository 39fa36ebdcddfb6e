// Package event holds the events.k8s.io/v1 Event resource. Its objects are
// stored as core/v1 Events (sharing /registry/events with the core
// resource), so the Strategy here works on core/v1 Events with the strict
// rules upstream applies to events.k8s.io requests, and the package owns the
// events.k8s.io/v1 <-> core/v1 conversion.
//
// It must not do I/O; event expiry is the storage layer's concern.
package event
