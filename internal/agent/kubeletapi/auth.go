package kubeletapi

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nauta/nauta/internal/pki"
)

// Who may call the kubelet API until it asks the API server
// (SubjectAccessReview, upstream's webhook authorization mode) once RBAC
// exists: the API server's own kubelet client identity, and the cluster
// admins.
var (
	// DefaultAuthorizedUsers are the user names (client certificate
	// common names) allowed by default.
	DefaultAuthorizedUsers = []string{pki.APIServerKubeletClient}
	// DefaultAuthorizedGroups are the groups (client certificate
	// organizations) allowed by default.
	DefaultAuthorizedGroups = []string{pki.SystemMastersGroup}
)

// clientIdentity is who a verified client certificate says the caller is,
// read the way API servers read x509 client certificates: the common name
// is the user, the organizations are the groups.
type clientIdentity struct {
	user   string
	groups []string
}

func identityOf(leaf *x509.Certificate) clientIdentity {
	return clientIdentity{user: leaf.Subject.CommonName, groups: leaf.Subject.Organization}
}

// authorized reports whether the identity may use the API: it is one of
// the users or in one of the groups.
func authorized(id clientIdentity, users, groups []string) bool {
	if slices.Contains(users, id.user) {
		return true
	}
	for _, g := range id.groups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// requestAttributes are the verb and node subresource a kubelet request
// counts as in authorization, as upstream kubelets name them (and so what
// their 403 messages say).
func requestAttributes(r *http.Request) (verb, subresource string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		verb = "get"
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
	default:
		verb = strings.ToLower(r.Method)
	}
	p := r.URL.Path
	switch {
	case p == "/stats" || strings.HasPrefix(p, "/stats/"):
		subresource = "stats"
	case p == "/metrics" || strings.HasPrefix(p, "/metrics/"):
		subresource = "metrics"
	case p == "/logs" || strings.HasPrefix(p, "/logs/"):
		subresource = "log"
	case p == "/pods" || strings.HasPrefix(p, "/pods/"):
		subresource = "pods"
	case p == "/healthz" || strings.HasPrefix(p, "/healthz/"):
		subresource = "healthz"
	default:
		subresource = "proxy"
	}
	return verb, subresource
}

// authenticate answers 401 to callers without a client certificate the
// ClientCA verified, and 403 to verified callers that are neither an
// authorized user nor in an authorized group. Both answers are plain
// text, as upstream kubelets send them (the API server passes the
// message on to the user).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		id := identityOf(r.TLS.VerifiedChains[0][0])
		if !authorized(id, s.cfg.AuthorizedUsers, s.cfg.AuthorizedGroups) {
			verb, sub := requestAttributes(r)
			s.log.Info("kubelet API request forbidden", "user", id.user, "groups", id.groups, "verb", verb, "subresource", sub)
			http.Error(w, fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource(s)=[%s])", id.user, verb, sub), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
