package discovery

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry"
)

func newTestDiscovery(t *testing.T) *Discovery {
	t.Helper()
	d, err := New(testResources())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// get serves path with the given Accept header and returns the response.
func get(t *testing.T, d *Discovery, path, accept string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://10.0.0.1:6443"+path, nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) *T {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	out := new(T)
	if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
		t.Fatalf("decoding %s: %v", w.Body.String(), err)
	}
	return out
}

func TestStorageVersionHashMatchesUpstream(t *testing.T) {
	// Values served by upstream Kubernetes.
	tests := []struct{ group, version, kind, want string }{
		{"", "v1", "Pod", "xPOwRZ+Yhw8="},
		{"", "v1", "ConfigMap", "qFsyl6wFWjQ="},
		{"", "v1", "Namespace", "Q3oi5N2YM8M="},
		{"", "v1", "Node", "XwShjMxG9Fs="},
		{"", "v1", "Service", "0/CO1lhkEBI="},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if got := StorageVersionHash(tt.group, tt.version, tt.kind); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAPIVersions(t *testing.T) {
	d := newTestDiscovery(t)
	w := get(t, d, "/api", "application/json")
	got := decode[map[string]any](t, w)
	want := map[string]any{
		"kind":     "APIVersions",
		"versions": []any{"v1"},
		"serverAddressByClientCIDRs": []any{
			map[string]any{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"},
		},
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %v\nwant %v", *got, want)
	}
}

func TestCoreResourceList(t *testing.T) {
	d := newTestDiscovery(t)
	list := decode[metav1.APIResourceList](t, get(t, d, "/api/v1", ""))
	if list.Kind != "APIResourceList" || list.APIVersion != "v1" || list.GroupVersion != "v1" {
		t.Errorf("type meta %q %q, groupVersion %q", list.Kind, list.APIVersion, list.GroupVersion)
	}
	byName := map[string]metav1.APIResource{}
	var names []string
	for _, r := range list.APIResources {
		byName[r.Name] = r
		names = append(names, r.Name)
	}
	wantNames := []string{
		"bindings", "configmaps", "events", "namespaces", "namespaces/finalize", "namespaces/status",
		"nodes", "nodes/proxy", "nodes/status",
		"pods", "pods/attach", "pods/binding", "pods/ephemeralcontainers", "pods/eviction", "pods/exec", "pods/log",
		"pods/portforward", "pods/proxy", "pods/resize", "pods/status",
		"replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status",
		"serviceaccounts", "serviceaccounts/token", "services", "services/proxy", "services/status",
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("names\n got %v\nwant %v", names, wantNames)
	}

	tests := []struct {
		name string
		want metav1.APIResource
	}{
		{"pods", metav1.APIResource{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod",
			Verbs:      []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
			ShortNames: []string{"po"}, Categories: []string{"all"}, StorageVersionHash: "xPOwRZ+Yhw8="}},
		{"pods/status", metav1.APIResource{Name: "pods/status", Namespaced: true, Kind: "Pod",
			Verbs: []string{"get", "patch", "update"}}},
		{"pods/eviction", metav1.APIResource{Name: "pods/eviction", Namespaced: true, Group: "policy", Version: "v1",
			Kind: "Eviction", Verbs: []string{"create"}}},
		{"pods/exec", metav1.APIResource{Name: "pods/exec", Namespaced: true, Kind: "PodExecOptions",
			Verbs: []string{"create", "get"}}},
		{"pods/log", metav1.APIResource{Name: "pods/log", Namespaced: true, Kind: "Pod", Verbs: []string{"get"}}},
		{"pods/proxy", metav1.APIResource{Name: "pods/proxy", Namespaced: true, Kind: "PodProxyOptions",
			Verbs: []string{"create", "delete", "get", "patch", "update"}}},
		{"namespaces", metav1.APIResource{Name: "namespaces", SingularName: "namespace", Kind: "Namespace",
			Verbs:      []string{"create", "delete", "get", "list", "patch", "update", "watch"},
			ShortNames: []string{"ns"}, StorageVersionHash: "Q3oi5N2YM8M="}},
		{"namespaces/finalize", metav1.APIResource{Name: "namespaces/finalize", Kind: "Namespace", Verbs: []string{"update"}}},
		{"nodes/proxy", metav1.APIResource{Name: "nodes/proxy", Kind: "NodeProxyOptions",
			Verbs: []string{"create", "delete", "get", "patch", "update"}}},
		{"replicationcontrollers", metav1.APIResource{Name: "replicationcontrollers", SingularName: "replicationcontroller",
			Namespaced: true, Kind: "ReplicationController",
			Verbs:      []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
			ShortNames: []string{"rc"}, Categories: []string{"all"}, StorageVersionHash: "Jond2If31h0="}},
		{"replicationcontrollers/scale", metav1.APIResource{Name: "replicationcontrollers/scale", Namespaced: true,
			Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: []string{"get", "patch", "update"}}},
		{"serviceaccounts/token", metav1.APIResource{Name: "serviceaccounts/token", Namespaced: true,
			Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest", Verbs: []string{"create"}}},
		// No storage, no hash.
		{"bindings", metav1.APIResource{Name: "bindings", SingularName: "binding", Namespaced: true, Kind: "Binding",
			Verbs: []string{"create"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := byName[tt.name]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}

	// The JSON keeps upstream's empty singularName on subresources.
	if !strings.Contains(get(t, d, "/api/v1", "").Body.String(), `{"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]}`) {
		t.Errorf("pods/status not shaped like upstream: %s", get(t, d, "/api/v1", "").Body.String())
	}
}

func TestGroupsAndVersions(t *testing.T) {
	d := newTestDiscovery(t)

	list := decode[metav1.APIGroupList](t, get(t, d, "/apis", "application/json"))
	if list.Kind != "APIGroupList" || list.APIVersion != "v1" {
		t.Errorf("type meta %q %q", list.Kind, list.APIVersion)
	}
	var names []string
	for _, g := range list.Groups {
		names = append(names, g.Name)
	}
	if want := []string{"apps", "autoscaling", "events.k8s.io", "policy", "certificates.k8s.io"}; !reflect.DeepEqual(names, want) {
		t.Errorf("groups %v, want %v", names, want)
	}

	g := decode[metav1.APIGroup](t, get(t, d, "/apis/autoscaling", ""))
	want := metav1.APIGroup{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
		Name:     "autoscaling",
		Versions: []metav1.GroupVersionForDiscovery{
			{GroupVersion: "autoscaling/v2", Version: "v2"},
			{GroupVersion: "autoscaling/v1", Version: "v1"},
		},
		PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "autoscaling/v2", Version: "v2"},
	}
	if !reflect.DeepEqual(*g, want) {
		t.Errorf("got  %+v\nwant %+v", *g, want)
	}

	apps := decode[metav1.APIResourceList](t, get(t, d, "/apis/apps/v1", ""))
	var scale metav1.APIResource
	for _, r := range apps.APIResources {
		if r.Name == "deployments/scale" {
			scale = r
		}
		if r.Name == "deployments" && r.StorageVersionHash != "8aSe+NMegvE=" {
			t.Errorf("deployments storageVersionHash %q", r.StorageVersionHash)
		}
	}
	wantScale := metav1.APIResource{Name: "deployments/scale", Namespaced: true, Group: "autoscaling", Version: "v1",
		Kind: "Scale", Verbs: []string{"get", "patch", "update"}}
	if !reflect.DeepEqual(scale, wantScale) {
		t.Errorf("deployments/scale %+v", scale)
	}

	// The v1 HPA is stored as v2: its hash names the storage version.
	hpa := decode[metav1.APIResourceList](t, get(t, d, "/apis/autoscaling/v1", ""))
	if got, want := hpa.APIResources[0].StorageVersionHash, StorageVersionHash("autoscaling", "v2", "HorizontalPodAutoscaler"); got != want {
		t.Errorf("hpa v1 hash %q, want %q", got, want)
	}
}

func TestNotFound(t *testing.T) {
	d := newTestDiscovery(t)
	for _, p := range []string{"/api/v2", "/apis/nope", "/apis/apps/v2", "/apis/nope/v1"} {
		t.Run(p, func(t *testing.T) {
			w := get(t, d, p, "")
			if w.Code != http.StatusNotFound {
				t.Fatalf("status %d", w.Code)
			}
			st := decode404(t, w)
			if st.Reason != metav1.StatusReasonNotFound || st.Kind != "Status" {
				t.Errorf("status %+v", st)
			}
		})
	}
}

func decode404(t *testing.T, w *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
		t.Fatalf("decoding %s: %v", w.Body.String(), err)
	}
	return st
}

func TestAggregated(t *testing.T) {
	d := newTestDiscovery(t)
	w := get(t, d, "/apis", AggregatedContentType("v2")+","+"application/json")
	if ct := w.Header().Get("Content-Type"); ct != "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" {
		t.Errorf("Content-Type %q", ct)
	}
	list := decode[apidiscoveryv2.APIGroupDiscoveryList](t, w)
	if list.Kind != "APIGroupDiscoveryList" || list.APIVersion != "apidiscovery.k8s.io/v2" {
		t.Errorf("type meta %+v", list.TypeMeta)
	}
	var autoscaling, apps *apidiscoveryv2.APIGroupDiscovery
	for i := range list.Items {
		switch list.Items[i].Name {
		case "autoscaling":
			autoscaling = &list.Items[i]
		case "apps":
			apps = &list.Items[i]
		}
	}
	if autoscaling == nil || apps == nil {
		t.Fatalf("missing groups in %+v", list.Items)
	}
	if len(autoscaling.Versions) != 2 || autoscaling.Versions[0].Version != "v2" || autoscaling.Versions[1].Version != "v1" {
		t.Errorf("autoscaling versions not in preference order: %+v", autoscaling.Versions)
	}
	deploy := apps.Versions[0].Resources[1]
	want := apidiscoveryv2.APIResourceDiscovery{
		Resource:         "deployments",
		ResponseKind:     &metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
		Scope:            apidiscoveryv2.ScopeNamespace,
		SingularResource: "deployment",
		Verbs:            []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
		ShortNames:       []string{"deploy"},
		Categories:       []string{"all"},
		Subresources: []apidiscoveryv2.APISubresourceDiscovery{
			{Subresource: "scale", ResponseKind: &metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"},
				Verbs: []string{"get", "patch", "update"}},
			{Subresource: "status", ResponseKind: &metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
				Verbs: []string{"get", "patch", "update"}},
		},
	}
	if !reflect.DeepEqual(deploy, want) {
		t.Errorf("deployments\n got %+v\nwant %+v", deploy, want)
	}
	if apps.Versions[0].Freshness != apidiscoveryv2.DiscoveryFreshnessCurrent {
		t.Errorf("freshness %q", apps.Versions[0].Freshness)
	}

	core := decode[apidiscoveryv2.APIGroupDiscoveryList](t, get(t, d, "/api", AggregatedContentType("v2")))
	if len(core.Items) != 1 || core.Items[0].Name != "" || core.Items[0].Versions[0].Version != "v1" {
		t.Fatalf("core %+v", core.Items)
	}
	for _, r := range core.Items[0].Versions[0].Resources {
		if r.Resource == "nodes" && r.Scope != apidiscoveryv2.ScopeCluster {
			t.Errorf("nodes scope %q", r.Scope)
		}
	}
}

func TestAggregatedV2Beta1(t *testing.T) {
	d := newTestDiscovery(t)
	// What kubectl 1.27-1.29 sends.
	w := get(t, d, "/apis", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
	if ct := w.Header().Get("Content-Type"); ct != "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList" {
		t.Errorf("Content-Type %q", ct)
	}
	list := decode[apidiscoveryv2beta1.APIGroupDiscoveryList](t, w)
	if list.APIVersion != "apidiscovery.k8s.io/v2beta1" || len(list.Items) != 5 {
		t.Errorf("got %s %d items", list.APIVersion, len(list.Items))
	}
	if r := list.Items[0].Versions[0].Resources[0]; r.Resource != "daemonsets" || r.ResponseKind.Kind != "DaemonSet" {
		t.Errorf("first apps resource %+v", r)
	}
}

func TestNegotiateAggregated(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", ""},
		{"application/json", ""},
		{"*/*", ""},
		{"application/json, */*", ""},
		{"application/vnd.kubernetes.protobuf,application/json", ""},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", "v2"},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", "v2"},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2"},
		{"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "v2beta1"},
		{"application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", "v2"},
		// Unknown aggregated versions and protobuf are skipped.
		{"application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", ""},
		{"application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", "v2beta1"},
		// Quality values order the ranges.
		{"application/json;q=0.9,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "v2"},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json", ""},
		{"garbage;;;", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			if got := negotiateAggregated(tt.accept); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAggregatedETag(t *testing.T) {
	d := newTestDiscovery(t)
	accept := AggregatedContentType("v2")
	first := get(t, d, "/apis", accept)
	etag := first.Header().Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q", etag)
	}
	if again := get(t, d, "/apis", accept); again.Header().Get("ETag") != etag {
		t.Errorf("ETag not stable")
	}
	if core := get(t, d, "/api", accept); core.Header().Get("ETag") == etag {
		t.Errorf("/api and /apis share an ETag")
	}

	r := httptest.NewRequest(http.MethodGet, "/apis", nil)
	r.Header.Set("Accept", accept)
	r.Header.Set("If-None-Match", etag)
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", w.Code, w.Body.Len())
	}

	r.Header.Set("If-None-Match", `"stale"`)
	w = httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d", w.Code)
	}
}

func TestNewRejectsDuplicates(t *testing.T) {
	res := testResources()
	if _, err := New(append(res, res[0])); err == nil {
		t.Errorf("want an error for a duplicate resource")
	}
	if _, err := New([]*registry.Resource{{GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "x"}}); err == nil {
		t.Errorf("want an error for a resource without kind")
	}
}

func TestMethodNotAllowed(t *testing.T) {
	d := newTestDiscovery(t)
	w := httptest.NewRecorder()
	d.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/apis", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("status %d", w.Code)
	}
}
