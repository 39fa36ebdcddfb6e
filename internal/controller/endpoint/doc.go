// Package endpoint is the endpoints controller ("endpoint-controller"): for
// every Service with a selector it keeps an Endpoints object of the same
// name listing the matching pods' IPs (ready and not-ready addresses) and
// the ports resolved per pod. It skips Services without a selector and
// ExternalName Services, never touches Endpoints it does not own through a
// Service with a selector, and talks to the API server only through
// client-go. The pod helpers here (readiness, named port resolution, which
// pods belong in endpoints) are shared with the EndpointSlice controller.
package endpoint
