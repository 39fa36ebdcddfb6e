// Package request carries what the API server learned about a request
// (which resource and verb it addresses, who sent it) through its context.
package request

import (
	"context"

	"github.com/nauta/nauta/internal/apiserver/authn"
)

// Info is a request's place in the API: parsed from the URL path and method
// by the filter chain before authorization.
type Info struct {
	// IsResourceRequest is false for /api, /apis, /healthz, /openapi, ...
	IsResourceRequest bool
	Path              string
	// Verb is the API verb: get, list, watch, create, update, patch, delete,
	// deletecollection (or for non-resource requests the lower-case HTTP
	// method).
	Verb string
	// APIPrefix is "api" or "apis".
	APIPrefix   string
	APIGroup    string
	APIVersion  string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	// Parts are the path segments after the resource.
	Parts []string
}

type infoKey struct{}
type userKey struct{}

// WithInfo returns a context carrying info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// InfoFrom returns the request info of ctx, or nil.
func InfoFrom(ctx context.Context) *Info {
	info, _ := ctx.Value(infoKey{}).(*Info)
	return info
}

// WithUser returns a context carrying the authenticated user.
func WithUser(ctx context.Context, u *authn.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user of ctx, or nil.
func UserFrom(ctx context.Context) *authn.User {
	u, _ := ctx.Value(userKey{}).(*authn.User)
	return u
}
