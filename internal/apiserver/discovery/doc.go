// Package discovery serves the API discovery documents built from the
// served resources: /api, /api/v1, /apis, /apis/<group> and
// /apis/<group>/<version>, in the unaggregated form (APIVersions,
// APIGroupList, APIGroup, APIResourceList) and, for /api and /apis, the
// aggregated form (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList)
// that kubectl 1.27+ asks for.
//
// It only describes what is served; it never serves or authorizes resource
// requests, and it does not know about storage.
package discovery
