package discovery

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cgdiscovery "k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// requestLog records the paths a client asked for and the content types it
// was answered with.
type requestLog struct {
	mu      sync.Mutex
	paths   []string
	answers map[string]string
}

func (l *requestLog) wrap(h http.Handler, rewriteAccept string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rewriteAccept != "" {
			r.Header.Set("Accept", rewriteAccept)
		}
		h.ServeHTTP(w, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.paths = append(l.paths, r.URL.Path)
		if l.answers == nil {
			l.answers = map[string]string{}
		}
		l.answers[r.URL.Path] = w.Header().Get("Content-Type")
	})
}

func serverGroupsAndResources(t *testing.T, srvURL string, legacy bool) ([]*metav1.APIGroup, []*metav1.APIResourceList) {
	t.Helper()
	client, err := cgdiscovery.NewDiscoveryClientForConfig(&rest.Config{Host: srvURL})
	if err != nil {
		t.Fatalf("NewDiscoveryClientForConfig: %v", err)
	}
	client.UseLegacyDiscovery = legacy
	groups, resources, err := client.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	return groups, resources
}

// summary flattens discovery results into comparable strings.
func summary(groups []*metav1.APIGroup, lists []*metav1.APIResourceList) []string {
	var out []string
	for _, g := range groups {
		var versions []string
		for _, v := range g.Versions {
			versions = append(versions, v.Version)
		}
		out = append(out, "group "+g.Name+" "+strings.Join(versions, ",")+" preferred "+g.PreferredVersion.Version)
	}
	for _, l := range lists {
		for _, r := range l.APIResources {
			gv := schema.GroupVersion{Group: r.Group, Version: r.Version}.String()
			out = append(out, strings.Join([]string{l.GroupVersion, r.Name, gv, r.Kind,
				strings.Join(r.Verbs, ","), strings.Join(r.ShortNames, ","), strings.Join(r.Categories, ","),
				boolString(r.Namespaced)}, " "))
		}
	}
	sort.Strings(out)
	return out
}

func boolString(b bool) string {
	if b {
		return "namespaced"
	}
	return "cluster"
}

func TestClientGoAggregatedDiscovery(t *testing.T) {
	d := newTestDiscovery(t)
	var log requestLog
	srv := httptest.NewServer(log.wrap(d, ""))
	defer srv.Close()

	groups, lists := serverGroupsAndResources(t, srv.URL, false)
	if got := strings.Join(log.paths, " "); got != "/api /apis" && got != "/apis /api" {
		t.Errorf("aggregated discovery should need only /api and /apis, client asked %q", got)
	}
	if ct := log.answers["/apis"]; !strings.Contains(ct, "v=v2;") {
		t.Errorf("/apis answered %q", ct)
	}
	got := summary(groups, lists)
	for _, want := range []string{
		"group  v1 preferred v1",
		"group autoscaling v2,v1 preferred v2",
		"v1 pods v1 Pod create,delete,deletecollection,get,list,patch,update,watch po all namespaced",
		"v1 pods/eviction policy/v1 Eviction create   namespaced",
		"v1 nodes/proxy v1 NodeProxyOptions create,delete,get,patch,update   cluster",
		"apps/v1 deployments/scale autoscaling/v1 Scale get,patch,update   namespaced",
	} {
		if !containsString(got, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

func TestClientGoLegacyDiscoveryMatchesAggregated(t *testing.T) {
	d := newTestDiscovery(t)
	var log requestLog
	srv := httptest.NewServer(log.wrap(d, ""))
	defer srv.Close()

	aggGroups, aggLists := serverGroupsAndResources(t, srv.URL, false)
	legacyGroups, legacyLists := serverGroupsAndResources(t, srv.URL, true)
	if !containsString(log.paths, "/apis/apps/v1") {
		t.Errorf("legacy discovery did not fetch group versions: %v", log.paths)
	}
	// Legacy lists carry the group version of same-group subresources
	// implicitly; aggregated ones explicitly. Normalize before comparing.
	normalize := func(lists []*metav1.APIResourceList) {
		for _, l := range lists {
			gv, _ := schema.ParseGroupVersion(l.GroupVersion)
			for i := range l.APIResources {
				r := &l.APIResources[i]
				if r.Group == gv.Group && r.Version == gv.Version {
					r.Group, r.Version = "", ""
				}
			}
		}
	}
	normalize(aggLists)
	normalize(legacyLists)
	if a, l := summary(aggGroups, aggLists), summary(legacyGroups, legacyLists); !reflect.DeepEqual(a, l) {
		t.Errorf("aggregated and legacy discovery differ\naggregated:\n%s\nlegacy:\n%s", strings.Join(a, "\n"), strings.Join(l, "\n"))
	}
}

// TestV2Beta1AsOldKubectlSeesIt forces the Accept header of kubectl
// 1.27-1.29 and reads the answer the way they do (v2beta1 has v2's shape).
func TestV2Beta1AsOldKubectlSeesIt(t *testing.T) {
	d := newTestDiscovery(t)
	srv := httptest.NewServer(d)
	defer srv.Close()
	const oldAccept = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

	var groups []*metav1.APIGroup
	var lists []*metav1.APIResourceList
	for _, path := range []string{"/api", "/apis"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", oldAccept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ok, err := cgdiscovery.ContentTypeIsGVK(resp.Header.Get("Content-Type"),
			schema.GroupVersionKind{Group: "apidiscovery.k8s.io", Version: "v2beta1", Kind: "APIGroupDiscoveryList"})
		if err != nil || !ok {
			t.Fatalf("%s: Content-Type %q is not v2beta1 aggregated discovery (%v)", path, resp.Header.Get("Content-Type"), err)
		}
		var list apidiscoveryv2.APIGroupDiscoveryList
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if list.APIVersion != "apidiscovery.k8s.io/v2beta1" {
			t.Errorf("apiVersion %q", list.APIVersion)
		}
		gl, byGV, failed := cgdiscovery.SplitGroupsAndResources(list)
		if len(failed) != 0 {
			t.Errorf("failed group versions: %v", failed)
		}
		for i := range gl.Groups {
			groups = append(groups, &gl.Groups[i])
		}
		for _, l := range byGV {
			lists = append(lists, l)
		}
	}

	v2Srv := httptest.NewServer(d)
	defer v2Srv.Close()
	wantGroups, wantLists := serverGroupsAndResources(t, v2Srv.URL, false)
	if got, want := summary(groups, lists), summary(wantGroups, wantLists); !reflect.DeepEqual(got, want) {
		t.Errorf("v2beta1 differs from v2\n got %v\nwant %v", got, want)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
