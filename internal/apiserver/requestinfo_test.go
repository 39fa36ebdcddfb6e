package apiserver

import (
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/nauta/nauta/internal/apiserver/request"
)

func TestParseRequestInfo(t *testing.T) {
	tests := []struct {
		method, url string
		want        request.Info
	}{
		// Non-resource paths.
		{"GET", "/", request.Info{Path: "/", Verb: "get"}},
		{"GET", "/healthz", request.Info{Path: "/healthz", Verb: "get"}},
		{"GET", "/healthz/etcd", request.Info{Path: "/healthz/etcd", Verb: "get"}},
		{"HEAD", "/version", request.Info{Path: "/version", Verb: "head"}},
		{"POST", "/foo/bar/baz", request.Info{Path: "/foo/bar/baz", Verb: "post"}},
		{"GET", "/api", request.Info{Path: "/api", Verb: "get"}},
		{"GET", "/api/v1", request.Info{Path: "/api/v1", Verb: "get"}},
		{"GET", "/apis", request.Info{Path: "/apis", Verb: "get"}},
		{"GET", "/apis/apps", request.Info{Path: "/apis/apps", Verb: "get"}},
		{"GET", "/apis/apps/v1", request.Info{Path: "/apis/apps/v1", Verb: "get", APIPrefix: "apis"}}, // like upstream
		{"GET", "/apis/apps/v1/", request.Info{Path: "/apis/apps/v1/", Verb: "get", APIPrefix: "apis"}},
		{"GET", "/openapi/v3/apis/apps/v1", request.Info{Path: "/openapi/v3/apis/apps/v1", Verb: "get"}},

		// Core collection and object verbs.
		{"GET", "/api/v1/namespaces/default/pods", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch=true", res("watch", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch=1", res("watch", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch=false", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch=0", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch", res("watch", "", "v1", "default", "pods", "", "", "pods")},
		{"HEAD", "/api/v1/namespaces/default/pods", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"POST", "/api/v1/namespaces/default/pods", res("create", "", "v1", "default", "pods", "", "", "pods")},
		{"DELETE", "/api/v1/namespaces/default/pods", res("deletecollection", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods/web", res("get", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"GET", "/api/v1/namespaces/default/pods/web?watch=true", res("get", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"PUT", "/api/v1/namespaces/default/pods/web", res("update", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"PATCH", "/api/v1/namespaces/default/pods/web", res("patch", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"DELETE", "/api/v1/namespaces/default/pods/web", res("delete", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"OPTIONS", "/api/v1/namespaces/default/pods/web", res("", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"GET", "/api/v1/pods", res("list", "", "v1", "", "pods", "", "", "pods")},
		{"GET", "/api/v1/pods?watch=true&resourceVersion=5", res("watch", "", "v1", "", "pods", "", "", "pods")},

		// Subresources and the parts beyond them.
		{"GET", "/api/v1/namespaces/default/pods/web/status", res("get", "", "v1", "default", "pods", "web", "status", "pods", "web", "status")},
		{"PUT", "/api/v1/namespaces/default/pods/web/status", res("update", "", "v1", "default", "pods", "web", "status", "pods", "web", "status")},
		{"GET", "/api/v1/namespaces/default/pods/web/log", res("get", "", "v1", "default", "pods", "web", "log", "pods", "web", "log")},
		{"POST", "/api/v1/namespaces/default/pods/web/exec?command=ls", res("create", "", "v1", "default", "pods", "web", "exec", "pods", "web", "exec")},
		{"POST", "/api/v1/namespaces/default/pods/web/eviction", res("create", "", "v1", "default", "pods", "web", "eviction", "pods", "web", "eviction")},
		{"GET", "/api/v1/namespaces/default/pods/web/proxy/some/path", res("get", "", "v1", "default", "pods", "web", "proxy", "pods", "web", "proxy", "some", "path")},
		{"GET", "/api/v1/nodes/n1/proxy/metrics", res("get", "", "v1", "", "nodes", "n1", "proxy", "nodes", "n1", "proxy", "metrics")},
		{"DELETE", "/api/v1/namespaces/default/services/web:http/proxy/x", res("delete", "", "v1", "default", "services", "web:http", "proxy", "services", "web:http", "proxy", "x")},

		// Cluster-scoped resources.
		{"GET", "/api/v1/nodes", res("list", "", "v1", "", "nodes", "", "", "nodes")},
		{"GET", "/api/v1/nodes/n1", res("get", "", "v1", "", "nodes", "n1", "", "nodes", "n1")},
		{"PATCH", "/api/v1/nodes/n1/status", res("patch", "", "v1", "", "nodes", "n1", "status", "nodes", "n1", "status")},
		{"GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", res("list", "rbac.authorization.k8s.io", "v1", "", "clusterroles", "", "", "clusterroles")},

		// The namespaces resource itself: its name doubles as the namespace.
		{"GET", "/api/v1/namespaces", res("list", "", "v1", "", "namespaces", "", "", "namespaces")},
		{"POST", "/api/v1/namespaces", res("create", "", "v1", "", "namespaces", "", "", "namespaces")},
		{"GET", "/api/v1/namespaces/kube-system", res("get", "", "v1", "kube-system", "namespaces", "kube-system", "", "namespaces", "kube-system")},
		{"DELETE", "/api/v1/namespaces/team", res("delete", "", "v1", "team", "namespaces", "team", "", "namespaces", "team")},
		{"PUT", "/api/v1/namespaces/team/status", res("update", "", "v1", "team", "namespaces", "team", "status", "namespaces", "team", "status")},
		{"PUT", "/api/v1/namespaces/team/finalize", res("update", "", "v1", "team", "namespaces", "team", "finalize", "namespaces", "team", "finalize")},
		// ... but any other segment is a resource in the namespace.
		{"GET", "/api/v1/namespaces/team/configmaps", res("list", "", "v1", "team", "configmaps", "", "", "configmaps")},
		{"GET", "/api/v1/namespaces/status/pods", res("list", "", "v1", "status", "pods", "", "", "pods")},

		// Named groups.
		{"GET", "/apis/apps/v1/namespaces/default/deployments", res("list", "apps", "v1", "default", "deployments", "", "", "deployments")},
		{"GET", "/apis/apps/v1/deployments", res("list", "apps", "v1", "", "deployments", "", "", "deployments")},
		{"PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", res("update", "apps", "v1", "default", "deployments", "web", "scale", "deployments", "web", "scale")},
		{"DELETE", "/apis/batch/v1/namespaces/ci/jobs?propagationPolicy=Background", res("deletecollection", "batch", "v1", "ci", "jobs", "", "", "jobs")},
		{"GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h", res("get", "autoscaling", "v2", "default", "horizontalpodautoscalers", "h", "", "horizontalpodautoscalers", "h")},

		// Legacy /watch/ prefix.
		{"GET", "/api/v1/watch/pods", res("watch", "", "v1", "", "pods", "", "", "pods")},
		{"GET", "/api/v1/watch/namespaces/default/pods", res("watch", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/watch/namespaces/default/pods/web", res("watch", "", "v1", "default", "pods", "web", "", "pods", "web")},
		{"GET", "/api/v1/watch/namespaces/team", res("watch", "", "v1", "team", "namespaces", "team", "", "namespaces", "team")},
		{"GET", "/apis/apps/v1/watch/namespaces/default/deployments", res("watch", "apps", "v1", "default", "deployments", "", "", "deployments")},
		// Legacy /proxy/ prefix: nothing after the name is a subresource.
		{"GET", "/api/v1/proxy/namespaces/default/pods/web/x/y", res("proxy", "", "v1", "default", "pods", "web", "", "pods", "web", "x", "y")},

		// A field selector on metadata.name names the object.
		{"GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", res("list", "", "v1", "default", "pods", "web", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dweb", res("watch", "", "v1", "default", "pods", "web", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3D..", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"GET", "/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dn1", res("list", "", "v1", "default", "pods", "", "", "pods")},
		{"DELETE", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", res("deletecollection", "", "v1", "default", "pods", "", "", "pods")},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			got, err := ParseRequestInfo(r)
			if err != nil {
				t.Fatalf("ParseRequestInfo: %v", err)
			}
			want := tt.want
			if want.Path == "" {
				want.Path = r.URL.Path
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestParseRequestInfoErrors(t *testing.T) {
	for _, url := range []string{"/api/v1/watch", "/apis/apps/v1/watch", "/api/v1/proxy"} {
		t.Run(url, func(t *testing.T) {
			if _, err := ParseRequestInfo(httptest.NewRequest("GET", url, nil)); err == nil {
				t.Errorf("want an error")
			}
		})
	}
}

// res builds the Info of a resource request.
func res(verb, group, version, namespace, resource, name, subresource string, parts ...string) request.Info {
	prefix := "apis"
	if group == "" {
		prefix = "api"
	}
	return request.Info{
		IsResourceRequest: true,
		Verb:              verb,
		APIPrefix:         prefix,
		APIGroup:          group,
		APIVersion:        version,
		Namespace:         namespace,
		Resource:          resource,
		Subresource:       subresource,
		Name:              name,
		Parts:             parts,
	}
}
