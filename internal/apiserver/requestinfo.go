package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/nauta/nauta/internal/apiserver/request"
)

// URL path segments with a special meaning right after the version.
const (
	// legacyWatchPrefix is the deprecated /api/v1/watch/... form of a watch.
	legacyWatchPrefix = "watch"
	// legacyProxyPrefix is the deprecated /api/v1/proxy/... form of a proxy;
	// what follows it is never a subresource.
	legacyProxyPrefix = "proxy"
)

// namespaceSubresources are the subresources of the namespaces resource
// itself: /api/v1/namespaces/{name}/status is the status of a namespace, not
// a resource named "status" in it.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// ParseRequestInfo works out which API resource and verb r addresses, with
// upstream Kubernetes' rules:
//
//	/api/{version}/{resource}[/{name}[/{subresource}[/...]]]
//	/api/{version}/namespaces/{namespace}/{resource}[/{name}[/{subresource}[/...]]]
//	/apis/{group}/{version}/... (same shapes)
//	/api/{version}/watch/... and ?watch=true are watches
//
// The verb follows the method: POST create, PUT update, PATCH patch, GET
// get (list or watch without a name), DELETE delete (deletecollection
// without a name). Everything else is a non-resource request whose verb is
// the lower-case method.
func ParseRequestInfo(r *http.Request) (*request.Info, error) {
	info := &request.Info{
		Path: r.URL.Path,
		Verb: strings.ToLower(r.Method),
	}
	parts := splitPath(r.URL.Path)
	// A resource path has at least a prefix, a version and a resource
	// (/api/v1/pods) or a prefix, a group, a version and a resource.
	if len(parts) < 3 || (parts[0] != "api" && parts[0] != "apis") {
		return info, nil
	}
	info.APIPrefix = parts[0]
	parts = parts[1:]
	if info.APIPrefix == "apis" {
		if len(parts) < 3 {
			return info, nil
		}
		info.APIGroup = parts[0]
		parts = parts[1:]
	}
	info.IsResourceRequest = true
	info.APIVersion = parts[0]
	parts = parts[1:]

	if parts[0] == legacyWatchPrefix || parts[0] == legacyProxyPrefix {
		if len(parts) < 2 {
			return info, fmt.Errorf("unable to determine kind and namespace from url %v", r.URL)
		}
		info.Verb = parts[0]
		parts = parts[1:]
	} else {
		info.Verb = verbForMethod(r.Method)
	}

	if parts[0] == "namespaces" && len(parts) > 1 {
		info.Namespace = parts[1]
		// /namespaces/{ns}/{resource}/... addresses a resource in the
		// namespace; /namespaces/{name}/status|finalize the namespace.
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		}
	}
	info.Parts = parts

	info.Resource = parts[0]
	if len(parts) >= 2 {
		info.Name = parts[1]
	}
	if len(parts) >= 3 && info.Verb != legacyProxyPrefix {
		info.Subresource = parts[2]
	}

	if info.Name == "" && info.Verb == "get" {
		query := r.URL.Query()
		info.Verb = "list"
		if isWatch(query["watch"]) {
			info.Verb = "watch"
		}
		// A list or watch selecting one name by field is about that object
		// (kubectl get pod x -w, informers on one object).
		if sel, err := fields.ParseSelector(query.Get("fieldSelector")); err == nil {
			if name, ok := sel.RequiresExactMatch("metadata.name"); ok && len(path.IsValidPathSegmentName(name)) == 0 {
				info.Name = name
			}
		}
	}
	if info.Name == "" && info.Verb == "delete" {
		info.Verb = "deletecollection"
	}
	return info, nil
}

func verbForMethod(method string) string {
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodGet, http.MethodHead:
		return "get"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return ""
}

// isWatch reads the watch query parameter the way boolean query
// parameters decode: present and not "false"/"0" is true.
func isWatch(values []string) bool {
	if len(values) == 0 {
		return false
	}
	switch strings.ToLower(values[0]) {
	case "false", "0":
		return false
	}
	return true
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
