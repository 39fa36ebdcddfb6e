// Package authz decides whether an authenticated user may do what a request
// asks. Until RBAC is enforced, AlwaysAllow admits every authenticated user.
package authz

import (
	"context"

	"github.com/nauta/nauta/internal/apiserver/authn"
)

// Decision is an authorizer's answer.
type Decision int

// The possible decisions.
const (
	NoOpinion Decision = iota
	Allow
	Deny
)

// Attributes is what is being asked, by whom.
type Attributes struct {
	User            *authn.User
	Verb            string
	ResourceRequest bool
	Path            string
	Namespace       string
	APIGroup        string
	APIVersion      string
	Resource        string
	Subresource     string
	Name            string
}

// Authorizer decides on one request. reason explains a Deny.
type Authorizer interface {
	Authorize(ctx context.Context, attrs Attributes) (decision Decision, reason string, err error)
}
