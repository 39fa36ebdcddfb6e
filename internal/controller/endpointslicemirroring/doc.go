// Package endpointslicemirroring mirrors Endpoints that users write for
// Services without a selector into EndpointSlices, as upstream's
// endpointslice-mirroring controller does, so that the proxy and DNS,
// which read only EndpointSlices, route to them.
//
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true (the
// API server's own default/kubernetes among them) and Endpoints of
// Services with a selector are not mirrored. Mirrored slices carry
// endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io
// and are named <endpoints>-<n>, so a stale cache can never make the
// controller create a second copy.
package endpointslicemirroring
