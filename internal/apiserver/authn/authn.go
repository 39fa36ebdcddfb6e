// Package authn decides who sent a request: x509 client certificates signed
// by the cluster CA and bearer tokens from a token file. It never decides
// what the sender may do (that is authz).
package authn

import "net/http"

// Well-known users and groups.
const (
	SystemMasters         = "system:masters"
	SystemAuthenticated   = "system:authenticated"
	SystemUnauthenticated = "system:unauthenticated"
	Anonymous             = "system:anonymous"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Authenticator finds the user behind a request. ok is false when the
// request carries no credentials this authenticator understands; err is set
// when it carries credentials that are invalid (a 401).
type Authenticator interface {
	Authenticate(r *http.Request) (user *User, ok bool, err error)
}
