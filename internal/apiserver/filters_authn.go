package apiserver

import (
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// publicPaths may be read without credentials: the probes (and their
// per-check sub-paths) and /version.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

// withAuthentication puts the request's user in its context. Invalid
// credentials are 401 everywhere; no credentials are 401 except for reads
// of the public paths, which run as system:anonymous.
func (s *Server) withAuthentication(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			user *authn.User
			ok   bool
			err  error
		)
		if s.cfg.Authenticator != nil {
			user, ok, err = s.cfg.Authenticator.Authenticate(r)
		}
		switch {
		case err != nil:
			s.logger.Debug("authentication failed", "method", r.Method, "path", r.URL.Path, "err", err)
			responsewriters.WriteError(w, r, apierrors.NewUnauthorized("Unauthorized"))
			return
		case !ok && isPublicRead(r):
			user = authn.AnonymousUser()
		case !ok:
			responsewriters.WriteError(w, r, apierrors.NewUnauthorized("Unauthorized"))
			return
		}
		recordFrom(r.Context()).user = user
		next.ServeHTTP(w, r.WithContext(request.WithUser(r.Context(), user)))
	})
}

func isPublicRead(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	for _, root := range publicPaths {
		if p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return false
}
