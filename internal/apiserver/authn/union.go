package authn

import (
	"errors"
	"net/http"
)

// Union returns an authenticator that asks each of auths in order and
// returns the first user found. When none finds one, the errors of those
// that rejected the request's credentials are returned joined, so invalid
// credentials are a 401 even if another authenticator saw nothing.
// Nil authenticators are skipped.
func Union(auths ...Authenticator) Authenticator {
	var list []Authenticator
	for _, a := range auths {
		if a != nil {
			list = append(list, a)
		}
	}
	return union(list)
}

type union []Authenticator

func (u union) Authenticate(r *http.Request) (*User, bool, error) {
	var errs []error
	for _, a := range u {
		user, ok, err := a.Authenticate(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return user, true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}

// AnonymousUser is the user of requests without credentials on the paths
// that allow them.
func AnonymousUser() *User {
	return &User{Name: Anonymous, Groups: []string{SystemUnauthenticated}}
}
