package openapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi/cached"
	"k8s.io/client-go/openapi3"
	"k8s.io/kube-openapi/pkg/handler3"
)

func get(t *testing.T, h http.Handler, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestV2Handler(t *testing.T) {
	s := newTestSpec(t)
	h := s.V2Handler()

	tests := []struct {
		name        string
		accept      string
		wantStatus  int
		wantType    string
		wantProto   bool
		wantNoMatch bool
	}{
		{name: "no accept", wantStatus: 200, wantType: "application/json"},
		{name: "json", accept: "application/json", wantStatus: 200, wantType: "application/json"},
		{name: "kubectl protobuf", accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
			wantStatus: 200, wantType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf", wantProto: true},
		{name: "protobuf preferred", accept: "application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
			wantStatus: 200, wantType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf", wantProto: true},
		{name: "json or protobuf", accept: "application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
			wantStatus: 200, wantType: "application/json"},
		{name: "wildcard", accept: "*/*", wantStatus: 200, wantType: "application/json"},
		{name: "unacceptable", accept: "text/html", wantStatus: http.StatusNotAcceptable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, h, "/openapi/v2", map[string]string{"Accept": tc.accept})
			data := body(t, resp)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if resp.Header.Get("Etag") == "" {
				t.Error("no ETag")
			}
			if tc.wantProto {
				doc := &openapiv2.Document{}
				if err := proto.Unmarshal(data, doc); err != nil {
					t.Fatalf("protobuf does not decode: %v", err)
				}
				if len(doc.GetPaths().GetPath()) == 0 || len(doc.GetDefinitions().GetAdditionalProperties()) == 0 {
					t.Error("protobuf document has no paths or definitions")
				}
			} else if string(data) != string(s.V2JSON()) {
				t.Error("JSON body differs from V2JSON")
			}
		})
	}

	t.Run("conditional", func(t *testing.T) {
		etag := get(t, h, "/openapi/v2", nil).Header.Get("Etag")
		resp := get(t, h, "/openapi/v2", map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status %d, want 304", resp.StatusCode)
		}
	})
	t.Run("post", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/openapi/v2", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("status %d, want 405", rec.Code)
		}
	})
}

func TestV3Handler(t *testing.T) {
	s := newTestSpec(t)
	h := s.V3Handler()

	resp := get(t, h, "/openapi/v3", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("discovery: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var disco handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(body(t, resp), &disco); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "apis/batch/v1",
		"apis/autoscaling/v1", "apis/autoscaling/v2", "version"} {
		if _, ok := disco.Paths[key]; !ok {
			t.Errorf("discovery lacks %q", key)
		}
	}
	if got := get(t, h, "/openapi/v3/", nil).StatusCode; got != 200 {
		t.Errorf("/openapi/v3/: status %d", got)
	}

	for key, gv := range disco.Paths {
		t.Run(key, func(t *testing.T) {
			url := gv.ServerRelativeURL
			if !strings.HasPrefix(url, "/openapi/v3/"+key+"?hash=") {
				t.Fatalf("serverRelativeURL %q", url)
			}
			resp := get(t, h, url, map[string]string{"Accept": "application/json"})
			data := body(t, resp)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, immutable" {
				t.Errorf("Cache-Control %q", got)
			}
			if resp.Header.Get("Expires") == "" {
				t.Error("no Expires")
			}
			hash := strings.TrimPrefix(url, "/openapi/v3/"+key+"?hash=")
			if got := resp.Header.Get("Etag"); got != `"`+hash+`"` {
				t.Errorf("Etag %q, want the hash %q", got, hash)
			}
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if doc["openapi"] != "3.0.0" {
				t.Errorf("openapi = %v", doc["openapi"])
			}

			// Without the hash: served, but not cacheable forever.
			plain := get(t, h, "/openapi/v3/"+key, nil)
			if plain.StatusCode != 200 || plain.Header.Get("Cache-Control") != "" {
				t.Errorf("no hash: status %d, Cache-Control %q", plain.StatusCode, plain.Header.Get("Cache-Control"))
			}
			// A stale hash redirects to the current one.
			stale := get(t, h, "/openapi/v3/"+key+"?hash=0123", nil)
			if stale.StatusCode != http.StatusMovedPermanently || stale.Header.Get("Location") != url {
				t.Errorf("stale hash: status %d, Location %q", stale.StatusCode, stale.Header.Get("Location"))
			}
			// Revalidation.
			again := get(t, h, url, map[string]string{"If-None-Match": resp.Header.Get("Etag")})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d", again.StatusCode)
			}
			// Protobuf.
			pb := get(t, h, url, map[string]string{"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"})
			pbDoc := &openapiv3.Document{}
			if err := proto.Unmarshal(body(t, pb), pbDoc); err != nil || pbDoc.GetOpenapi() != "3.0.0" {
				t.Errorf("protobuf: %v, openapi %q", err, pbDoc.GetOpenapi())
			}
		})
	}

	for _, path := range []string{"/openapi/v3/apis/nothing/v1", "/openapi/v3x", "/openapi/v2"} {
		if got := get(t, h, path, nil).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, got)
		}
	}
}

// TestV3ClientGo reads the documents with client-go's OpenAPI v3 client
// (the cached one kubectl uses) and parses them into kube-openapi types.
func TestV3ClientGo(t *testing.T) {
	resources := testResources()
	srv := newTestServer(t, newTestSpec(t), resources)
	disco, err := discovery.NewDiscoveryClientForConfig(restConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	root := openapi3.NewRoot(cached.NewClient(disco.OpenAPIV3()))
	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatal(err)
	}
	if len(gvs) != 5 {
		t.Errorf("group versions %v, want 5", gvs)
	}
	for _, r := range resources {
		doc, err := root.GVSpec(r.GroupVersion)
		if err != nil {
			t.Fatalf("%v: %v", r.GroupVersion, err)
		}
		found := false
		for name, s := range doc.Components.Schemas {
			var gvks []schema.GroupVersionKind
			if err := s.Extensions.GetObject("x-kubernetes-group-version-kind", &gvks); err == nil {
				for _, gvk := range gvks {
					found = found || (gvk == r.GroupVersionKind() && strings.HasSuffix(name, "."+r.Kind))
				}
			}
		}
		if !found {
			t.Errorf("%v: no schema carries its group-version-kind", r.GroupVersionKind())
		}
	}
}
