// Package apiserver is the API server's HTTP front: the filter chain every
// request passes (panic recovery, request log, metrics, request info,
// authentication, authorization) and the routing to the probes, /version,
// /metrics, OpenAPI, discovery and the REST handlers of the resources.
//
// It does not listen (internal/server owns the TLS listener), does not
// touch storage, and leaves everything about resources themselves (CRUD,
// watch, patch, subresources) to internal/apiserver/handlers.
package apiserver
