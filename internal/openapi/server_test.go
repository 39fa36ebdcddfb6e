package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/registry"
)

// newTestServer serves the documents the way the API server mounts them,
// plus just enough legacy discovery for kubectl's REST mapper.
func newTestServer(t *testing.T, s *Spec, resources []*registry.Resource) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/openapi/v2", s.V2Handler())
	mux.Handle("/openapi/v3", s.V3Handler())
	mux.Handle("/openapi/v3/", s.V3Handler())

	lists := map[string]*metav1.APIResourceList{}
	groups := &metav1.APIGroupList{}
	groupIndex := map[string]int{}
	for _, r := range resources {
		gv := r.GroupVersion
		path := gvPath(gv)
		if lists[path] == nil {
			lists[path] = &metav1.APIResourceList{GroupVersion: gv.String()}
			if gv.Group != "" {
				v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
				i, ok := groupIndex[gv.Group]
				if !ok {
					i = len(groups.Groups)
					groupIndex[gv.Group] = i
					groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group, PreferredVersion: v})
				}
				groups.Groups[i].Versions = append(groups.Groups[i].Versions, v)
			}
		}
		verbs := r.Verbs
		if len(verbs) == 0 {
			verbs = defaultVerbs
		}
		lists[path].APIResources = append(lists[path].APIResources, metav1.APIResource{
			Name: r.Resource, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: verbs, ShortNames: r.ShortNames,
		})
	}
	for path, list := range lists {
		mux.Handle(path, jsonHandler(list))
	}
	mux.Handle("/api", jsonHandler(&metav1.APIVersions{Versions: []string{"v1"}}))
	mux.Handle("/apis", jsonHandler(groups))

	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func jsonHandler(v any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	})
}

func restConfig(srv *httptest.Server) *rest.Config {
	return &rest.Config{Host: srv.URL}
}

// writeKubeconfig writes a kubeconfig pointing at srv and returns its path.
func writeKubeconfig(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ` + srv.URL + `
users:
- name: test
  user: {}
contexts:
- name: test
  context:
    cluster: test
    user: test
    namespace: default
current-context: test
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
