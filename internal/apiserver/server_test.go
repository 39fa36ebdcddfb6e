package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/authz"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/version"
)

const (
	adminToken = "admin-token"
	bobToken   = "bob-token"
)

func testResources() []*registry.Resource {
	core := schema.GroupVersion{Version: "v1"}
	apps := schema.GroupVersion{Group: "apps", Version: "v1"}
	return []*registry.Resource{
		{GroupVersion: core, Resource: "pods", Kind: "Pod", Singular: "pod", Namespaced: true,
			StoragePrefix: "/registry/pods", Status: true, Strategy: registry.BaseStrategy{HasStatus: true}},
		{GroupVersion: core, Resource: "namespaces", Kind: "Namespace", Singular: "namespace",
			StoragePrefix: "/registry/namespaces", Status: true, Strategy: registry.BaseStrategy{ClusterScoped: true}},
		{GroupVersion: core, Resource: "nodes", Kind: "Node", Singular: "node",
			StoragePrefix: "/registry/minions", Status: true, Strategy: registry.BaseStrategy{ClusterScoped: true}},
		{GroupVersion: apps, Resource: "deployments", Kind: "Deployment", Singular: "deployment", Namespaced: true,
			StoragePrefix: "/registry/deployments", Status: true, Scale: &registry.ScaleAccess{},
			Strategy: registry.BaseStrategy{HasStatus: true}},
	}
}

// fakeResources stands in for the REST handlers: it echoes what the
// filter chain told it, or panics when asked to.
type fakeResources struct{}

func (fakeResources) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := request.InfoFrom(r.Context())
	user := request.UserFrom(r.Context())
	if info.Name == "panic" {
		panic("boom")
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "resource %s %s %s/%s as %s", info.Verb, info.Resource, info.Namespace, info.Name, user.Name)
}

// denyBob denies bob everything, optionally with a reason or an error.
type denyBob struct {
	reason string
	err    error
}

func (d denyBob) Authorize(_ context.Context, a authz.Attributes) (authz.Decision, string, error) {
	if a.User != nil && a.User.Name == "bob" {
		return authz.Deny, d.reason, d.err
	}
	return authz.Allow, "", nil
}

type testServer struct {
	*Server
	logs *syncBuffer
	reg  *prometheus.Registry
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestServer(t *testing.T, mutate func(*Config)) *testServer {
	t.Helper()
	tokenPath := filepath.Join(t.TempDir(), "tokens.csv")
	tokens := adminToken + ",admin,1,system:masters\n" + bobToken + ",bob,2\n"
	if err := os.WriteFile(tokenPath, []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := authn.NewTokenFile(tokenPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	cfg := Config{
		Resources:     testResources(),
		Authenticator: authn.Union(authn.NewX509(), tf),
		Authorizer:    authz.AlwaysAllow{},
		HealthChecks: map[string]func(*http.Request) error{
			"etcd": func(*http.Request) error { return nil },
		},
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MetricsRegistry: reg,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := newServer(cfg, fakeResources{})
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	return &testServer{Server: s, logs: logs, reg: reg}
}

func (s *testServer) do(method, url, token string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, url, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func statusOf(t *testing.T, w *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
		t.Fatalf("body is not a Status: %v: %s", err, w.Body.String())
	}
	if st.Kind != "Status" || st.APIVersion != "v1" {
		t.Errorf("type meta %q %q", st.Kind, st.APIVersion)
	}
	return st
}

func TestRoutes(t *testing.T) {
	openAPI := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "%s %s", name, r.URL.Path) })
	}
	s := newTestServer(t, func(c *Config) {
		c.OpenAPIV2 = openAPI("openapi-v2")
		c.OpenAPIV3 = openAPI("openapi-v3")
	})
	tests := []struct {
		method, url, token string
		code               int
		body               string // substring
	}{
		{"GET", "/api/v1/namespaces/default/pods", adminToken, 200, "resource list pods default/ as admin"},
		{"GET", "/api/v1/pods", adminToken, 200, "resource list pods / as admin"},
		{"GET", "/api/v1/watch/pods", adminToken, 200, "resource watch pods / as admin"},
		{"POST", "/api/v1/namespaces/default/pods", adminToken, 200, "resource create pods default/ as admin"},
		{"DELETE", "/api/v1/namespaces/default/pods/web", adminToken, 200, "resource delete pods default/web"},
		{"GET", "/api/v1/namespaces/default/pods/web/log", adminToken, 200, "resource get pods default/web"},
		{"GET", "/api/v1/nodes/n1", adminToken, 200, "resource get nodes /n1"},
		{"PUT", "/api/v1/namespaces/team/finalize", adminToken, 200, "resource update namespaces team/team"},
		{"GET", "/api/v1/namespaces/team", adminToken, 200, "resource get namespaces team/team"},
		{"PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", adminToken, 200, "resource patch deployments"},
		{"GET", "/apis/apps/v1/deployments?fieldSelector=metadata.name%3Dweb", adminToken, 200, "resource list deployments /web"},

		// Resources not served, or at a URL shape they do not have.
		{"GET", "/api/v1/namespaces/default/secrets", adminToken, 404, "the server could not find the requested resource"},
		{"GET", "/api/v2/pods", adminToken, 404, "NotFound"},
		{"GET", "/apis/nope.io/v1/things", adminToken, 404, "NotFound"},
		{"GET", "/api/v1/namespaces/default/nodes", adminToken, 404, "NotFound"},
		{"GET", "/api/v1/pods/web", adminToken, 404, "NotFound"},
		{"POST", "/api/v1/pods", adminToken, 404, "NotFound"},
		{"GET", "/api/v1/watch", adminToken, 404, "NotFound"},
		{"OPTIONS", "/api/v1/namespaces/default/pods", adminToken, 405, "MethodNotAllowed"},

		// Non-resource routes.
		{"GET", "/api", adminToken, 200, `"kind":"APIVersions"`},
		{"GET", "/api/v1", adminToken, 200, `"name":"pods/eviction"`},
		{"GET", "/apis", adminToken, 200, `"kind":"APIGroupList"`},
		{"GET", "/apis/apps", adminToken, 200, `"kind":"APIGroup"`},
		{"GET", "/apis/apps/v1", adminToken, 200, `"name":"deployments/scale"`},
		{"GET", "/apis/apps/v1/", adminToken, 200, `"name":"deployments/scale"`},
		{"GET", "/apis/apps/v2", adminToken, 404, "NotFound"},
		{"POST", "/apis", adminToken, 405, "MethodNotAllowed"},
		{"GET", "/version", "", 200, `"gitVersion": "v1.37.2+nauta"`},
		{"GET", "/version/", "", 200, `"major": "1"`},
		{"POST", "/version", adminToken, 405, "MethodNotAllowed"},
		{"GET", "/healthz", "", 200, "ok"},
		{"GET", "/livez", "", 200, "ok"},
		{"GET", "/readyz", "", 200, "ok"},
		{"GET", "/healthz/etcd", "", 200, "ok"},
		{"GET", "/healthz/nope", "", 404, "NotFound"},
		{"GET", "/metrics", adminToken, 200, "apiserver_request_total"},
		{"GET", "/openapi/v2", adminToken, 200, "openapi-v2 /openapi/v2"},
		{"GET", "/openapi/v3", adminToken, 200, "openapi-v3 /openapi/v3"},
		{"GET", "/openapi/v3/apis/apps/v1", adminToken, 200, "openapi-v3 /openapi/v3/apis/apps/v1"},
		{"GET", "/", adminToken, 200, `"/apis/apps/v1"`},
		{"GET", "/nope", adminToken, 404, "the server could not find the requested resource"},
		{"GET", "/openapi/v4", adminToken, 404, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			w := s.do(tt.method, tt.url, tt.token)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("got %d %s\nwant %d containing %q", w.Code, w.Body.String(), tt.code, tt.body)
			}
		})
	}
}

func TestOpenAPIUnset(t *testing.T) {
	s := newTestServer(t, nil)
	for _, p := range []string{"/openapi/v2", "/openapi/v3", "/openapi/v3/api/v1"} {
		if w := s.do("GET", p, adminToken); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d", p, w.Code)
		}
	}
}

func TestNewRequiresAuthorizer(t *testing.T) {
	if _, err := newServer(Config{}, fakeResources{}); err == nil {
		t.Errorf("want an error without an authorizer")
	}
}

func TestVersion(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.do("GET", "/version", "")
	var got version.Info
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got != version.Get() {
		t.Errorf("got %+v, want %+v", got, version.Get())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t, nil)
	tests := []struct {
		method, url, token string
		code               int
	}{
		// Anonymous reads of the public paths only.
		{"GET", "/healthz", "", 200},
		{"GET", "/healthz/etcd", "", 200},
		{"GET", "/livez", "", 200},
		{"GET", "/readyz?verbose", "", 200},
		{"GET", "/version", "", 200},
		{"HEAD", "/version", "", 200},
		{"POST", "/healthz", "", 401},
		{"GET", "/healthzz", "", 401},
		{"GET", "/api", "", 401},
		{"GET", "/apis", "", 401},
		{"GET", "/metrics", "", 401},
		{"GET", "/openapi/v2", "", 401},
		{"GET", "/", "", 401},
		{"GET", "/api/v1/namespaces/default/pods", "", 401},
		// An invalid token is refused even where anonymous would pass.
		{"GET", "/healthz", "wrong", 401},
		{"GET", "/api/v1/pods", "wrong", 401},
		{"GET", "/api/v1/pods", bobToken, 200},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url+" "+tt.token, func(t *testing.T) {
			w := s.do(tt.method, tt.url, tt.token)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body.String())
			}
			if tt.code == 401 {
				st := statusOf(t, w)
				if st.Reason != metav1.StatusReasonUnauthorized || st.Message != "Unauthorized" || st.Code != 401 || st.Status != metav1.StatusFailure {
					t.Errorf("status %+v", st)
				}
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	tests := []struct {
		name, method, url string
		authorizer        authz.Authorizer
		code              int
		message           string
		details           *metav1.StatusDetails
	}{
		{"namespaced list", "GET", "/api/v1/namespaces/default/pods", denyBob{}, 403,
			`pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"`,
			&metav1.StatusDetails{Kind: "pods"}},
		{"named get", "GET", "/api/v1/namespaces/default/pods/web", denyBob{}, 403,
			`pods "web" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default"`,
			&metav1.StatusDetails{Name: "web", Kind: "pods"}},
		{"cluster scope", "GET", "/api/v1/nodes", denyBob{}, 403,
			`nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope`,
			&metav1.StatusDetails{Kind: "nodes"}},
		{"subresource in group", "PUT", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", denyBob{}, 403,
			`deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments/scale" in API group "apps" in the namespace "ns1"`,
			&metav1.StatusDetails{Name: "web", Group: "apps", Kind: "deployments"}},
		{"watch", "GET", "/api/v1/pods?watch=true", denyBob{}, 403,
			`pods is forbidden: User "bob" cannot watch resource "pods" in API group "" at the cluster scope`, nil},
		{"non-resource", "GET", "/foo", denyBob{}, 403, `forbidden: User "bob" cannot get path "/foo"`, &metav1.StatusDetails{}},
		{"discovery", "GET", "/apis", denyBob{}, 403, `forbidden: User "bob" cannot get path "/apis"`, nil},
		{"with reason", "GET", "/api/v1/nodes", denyBob{reason: "no RBAC policy matched"}, 403,
			`nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope: no RBAC policy matched`, nil},
		{"authorizer error", "GET", "/api/v1/nodes", denyBob{err: errors.New("webhook down")}, 500,
			"Internal error occurred: webhook down", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(c *Config) { c.Authorizer = tt.authorizer })
			w := s.do(tt.method, tt.url, bobToken)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body.String())
			}
			st := statusOf(t, w)
			if st.Message != tt.message {
				t.Errorf("message\n got %s\nwant %s", st.Message, tt.message)
			}
			if tt.code == 403 && st.Reason != metav1.StatusReasonForbidden {
				t.Errorf("reason %q", st.Reason)
			}
			if tt.details != nil && (st.Details == nil || !reflect.DeepEqual(*st.Details, *tt.details)) {
				t.Errorf("details %+v, want %+v", st.Details, tt.details)
			}
			// Others are not affected.
			if w := s.do(tt.method, tt.url, adminToken); w.Code == 403 {
				t.Errorf("admin denied: %s", w.Body.String())
			}
		})
	}
}

func TestHealth(t *testing.T) {
	var etcdErr error
	s := newTestServer(t, func(c *Config) {
		c.HealthChecks = map[string]func(*http.Request) error{
			"etcd":           func(*http.Request) error { return etcdErr },
			"informer-sync":  func(*http.Request) error { return nil },
			"poststarthooks": func(*http.Request) error { return nil },
		}
	})
	tests := []struct {
		url     string
		etcdErr error
		code    int
		body    string
	}{
		{"/healthz", nil, 200, "ok"},
		{"/livez", nil, 200, "ok"},
		{"/healthz?verbose", nil, 200, "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n[+]poststarthooks ok\nhealthz check passed\n"},
		{"/readyz?verbose=1", nil, 200, "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n[+]poststarthooks ok\nreadyz check passed\n"},
		{"/livez?verbose&exclude=etcd", nil, 200, "[+]ping ok\n[+]etcd excluded: ok\n[+]informer-sync ok\n[+]poststarthooks ok\nlivez check passed\n"},
		{"/healthz?verbose&exclude=nope", nil, 200, "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n[+]poststarthooks ok\nwarn: some health checks cannot be excluded: no matches for \"nope\"\nhealthz check passed\n"},
		{"/healthz", errors.New("dial tcp: refused"), 500, "[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\n[+]poststarthooks ok\nhealthz check failed\n"},
		{"/readyz?exclude=etcd", errors.New("dial tcp: refused"), 200, "ok"},
		{"/healthz/etcd", nil, 200, "ok"},
		{"/livez/ping", nil, 200, "ok"},
		{"/healthz/etcd", errors.New("dial tcp: refused"), 500, "internal server error: dial tcp: refused\n"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			etcdErr = tt.etcdErr
			w := s.do("GET", tt.url, "")
			if w.Code != tt.code || w.Body.String() != tt.body {
				t.Errorf("got %d %q\nwant %d %q", w.Code, w.Body.String(), tt.code, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// The reason reaches the log, not the response.
	if !strings.Contains(s.logs.String(), "dial tcp: refused") {
		t.Errorf("failure reason not logged")
	}
}

func TestPanicRecovery(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.do("GET", "/api/v1/namespaces/default/pods/panic", adminToken)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	st := statusOf(t, w)
	if st.Reason != metav1.StatusReasonInternalError {
		t.Errorf("reason %q", st.Reason)
	}
	if !strings.Contains(s.logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", s.logs.String())
	}
	// The server keeps serving.
	if w := s.do("GET", "/api/v1/namespaces/default/pods/web", adminToken); w.Code != 200 {
		t.Errorf("after panic: status %d", w.Code)
	}
}

func TestRequestLog(t *testing.T) {
	s := newTestServer(t, nil)
	s.do("GET", "/api/v1/namespaces/default/pods?limit=5", adminToken)
	s.do("GET", "/healthz", "")

	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("request log lines: %v", lines)
	}
	first, probe := lines[0], lines[1]
	for k, want := range map[string]any{"level": "DEBUG", "method": "GET", "path": "/api/v1/namespaces/default/pods",
		"query": "limit=5", "status": float64(200), "user": "admin"} {
		if first[k] != want {
			t.Errorf("log %s = %v, want %v", k, first[k], want)
		}
	}
	if _, ok := first["duration"]; !ok {
		t.Errorf("no duration in %v", first)
	}
	if probe["level"] != "DEBUG" || probe["user"] != authn.Anonymous {
		t.Errorf("probe logged as %v", probe)
	}
}

func TestRequestLogLevels(t *testing.T) {
	tests := []struct {
		path   string
		status int
		want   slog.Level
	}{
		{"/api/v1/pods", 200, slog.LevelDebug},
		{"/api/v1/pods", 404, slog.LevelDebug},
		{"/api/v1/pods", 500, slog.LevelWarn},
		{"/readyz", 500, slog.LevelDebug},
	}
	for _, tc := range tests {
		if got := requestLogLevel(tc.path, tc.status); got != tc.want {
			t.Errorf("requestLogLevel(%s, %d) = %v, want %v", tc.path, tc.status, got, tc.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t, nil)
	s.do("GET", "/api/v1/namespaces/default/pods", adminToken)
	s.do("GET", "/api/v1/namespaces/default/pods", adminToken)
	s.do("GET", "/api/v1/pods?watch=true", adminToken)
	s.do("POST", "/apis/apps/v1/namespaces/ns1/deployments", adminToken)
	s.do("GET", "/api/v1/nodes/n1", adminToken)
	s.do("GET", "/api/v1/namespaces/default/widgets", adminToken) // not served: no resource label
	s.do("GET", "/api/v1/pods", "wrong")

	w := s.do("GET", "/metrics", adminToken)
	body := w.Body.String()
	for _, want := range []string{
		`apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 2`,
		`apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"} 1`,
		`apiserver_request_total{code="200",component="apiserver",group="apps",resource="deployments",scope="resource",subresource="",verb="POST",version="v1"} 1`,
		`apiserver_request_total{code="200",component="apiserver",group="",resource="nodes",scope="resource",subresource="",verb="GET",version="v1"} 1`,
		`apiserver_request_total{code="404",component="apiserver",group="",resource="",scope="",subresource="",verb="GET",version=""} 1`,
		`apiserver_request_total{code="401",component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 1`,
		`apiserver_request_duration_seconds_count{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 2`,
		`apiserver_current_inflight_requests{request_kind="readOnly"} 1`, // the /metrics request itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, `verb="WATCH",version="v1"} `) && strings.Contains(body, `apiserver_request_duration_seconds_count{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="WATCH"`) {
		t.Errorf("watch observed in the latency histogram")
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestSharedMetricsRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	for i := 0; i < 2; i++ {
		if _, err := newServer(Config{Authorizer: authz.AlwaysAllow{}, MetricsRegistry: reg}, fakeResources{}); err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
}

func TestCacheControl(t *testing.T) {
	s := newTestServer(t, nil)
	if got := s.do("GET", "/api/v1/pods", adminToken).Header().Get("Cache-Control"); got != "no-cache, private" {
		t.Errorf("Cache-Control %q", got)
	}
}

func TestVirtualBindings(t *testing.T) {
	s := newTestServer(t, nil)
	if w := s.do("POST", "/api/v1/namespaces/default/bindings", adminToken); w.Code != 200 || !strings.Contains(w.Body.String(), "resource create bindings") {
		t.Errorf("bindings not routed to the handlers: %d %s", w.Code, w.Body.String())
	}
	w := s.do("GET", "/api/v1", adminToken)
	if !strings.Contains(w.Body.String(), `{"name":"bindings","singularName":"binding","namespaced":true,"kind":"Binding","verbs":["create"]}`) {
		t.Errorf("bindings not in discovery: %s", w.Body.String())
	}
}
