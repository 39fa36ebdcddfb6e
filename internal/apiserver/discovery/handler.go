package discovery

import (
	"net"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// IsDiscoveryPath reports whether path has the shape of a discovery
// document path (/api, /api/<v>, /apis, /apis/<g>, /apis/<g>/<v>), served
// or not.
func IsDiscoveryPath(path string) bool {
	parts := splitPath(path)
	switch {
	case len(parts) == 0:
		return false
	case parts[0] == "api":
		return len(parts) <= 2
	case parts[0] == "apis":
		return len(parts) <= 3
	}
	return false
}

// ServeHTTP serves the discovery document at r.URL.Path; unknown groups and
// versions are 404.
func (d *Discovery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		responsewriters.WriteError(w, r, apierrors.NewGenericServerResponse(http.StatusMethodNotAllowed,
			strings.ToLower(r.Method), schema.GroupResource{}, "", "", 0, false))
		return
	}
	parts := splitPath(r.URL.Path)
	switch {
	case len(parts) == 1 && parts[0] == "api":
		if d.serveAggregated(w, r, true) {
			return
		}
		responsewriters.WriteObject(w, r, http.StatusOK, d.APIVersions(serverAddress(r)))
		return
	case len(parts) == 2 && parts[0] == "api":
		if list, ok := d.ResourceList(schema.GroupVersion{Version: parts[1]}); ok {
			responsewriters.WriteObject(w, r, http.StatusOK, list)
			return
		}
	case len(parts) == 1 && parts[0] == "apis":
		if d.serveAggregated(w, r, false) {
			return
		}
		responsewriters.WriteObject(w, r, http.StatusOK, d.GroupList())
		return
	case len(parts) == 2 && parts[0] == "apis":
		if g, ok := d.Group(parts[1]); ok {
			responsewriters.WriteObject(w, r, http.StatusOK, g)
			return
		}
	case len(parts) == 3 && parts[0] == "apis" && parts[1] != "":
		if list, ok := d.ResourceList(schema.GroupVersion{Group: parts[1], Version: parts[2]}); ok {
			responsewriters.WriteObject(w, r, http.StatusOK, list)
			return
		}
	}
	responsewriters.WriteError(w, r, NotFound())
}

// serveAggregated writes the aggregated document when the client asks for
// it, honouring If-None-Match; it reports whether it answered.
func (d *Discovery) serveAggregated(w http.ResponseWriter, r *http.Request, core bool) bool {
	version := negotiateAggregated(r.Header.Get("Accept"))
	if version == "" {
		return false
	}
	doc := d.aggregated[aggregatedKey{core: core, version: version}]
	h := w.Header()
	h.Set("Content-Type", doc.contentType)
	h.Set("ETag", doc.etag)
	h.Add("Vary", "Accept")
	if etagMatches(r.Header.Get("If-None-Match"), doc.etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.body)
	}
	return true
}

func etagMatches(ifNoneMatch, etag string) bool {
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == etag || candidate == "*" {
			return true
		}
	}
	return false
}

// serverAddress returns the host:port the client used to reach us.
func serverAddress(r *http.Request) string {
	host := r.Host
	if _, _, err := net.SplitHostPort(host); err == nil || host == "" {
		return host
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if r.TLS != nil {
		return net.JoinHostPort(host, "443")
	}
	return net.JoinHostPort(host, "80")
}

// NotFound is the error of a path nothing is served at: a NotFound Status
// saying "the server could not find the requested resource".
func NotFound() error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "", "", 0, false)
}

func splitPath(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}
