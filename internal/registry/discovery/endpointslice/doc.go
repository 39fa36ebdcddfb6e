// Package endpointslice holds the discovery.k8s.io/v1 EndpointSlice
// resource: port defaults, validation of addresses (per addressType),
// endpoints and ports, generation tracking and table columns.
//
// It must not do I/O; slices are written by the endpointslice controller.
package endpointslice
