// Package endpointslice is the EndpointSlice controller
// ("endpointslice-controller"): for every Service with a selector it keeps
// the discovery.k8s.io/v1 EndpointSlices (label kubernetes.io/service-name,
// managed by endpointslice-controller.k8s.io, owned by the Service) that list
// the matching pods with their ready/serving/terminating conditions, node
// and zone, at most 100 endpoints per slice. Updates touch as few slices as
// possible: endpoints stay in the slice they are in. It leaves slices
// managed by anyone else alone and talks to the API server only through
// client-go.
package endpointslice
