package imagestest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nauta/nauta/internal/agent/images"
)

func TestRegistryServesPushedImage(t *testing.T) {
	tarball, err := images.BuildPause(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(t)
	reg.Push(t, "team/pause:v1", tarball)

	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, reg.URL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	tests := []struct {
		name, method, path string
		wantStatus         int
	}{
		{name: "api root", method: http.MethodGet, path: "/v2/", wantStatus: http.StatusOK},
		{name: "manifest by tag", method: http.MethodGet, path: "/v2/team/pause/manifests/v1", wantStatus: http.StatusOK},
		{name: "manifest head", method: http.MethodHead, path: "/v2/team/pause/manifests/v1", wantStatus: http.StatusOK},
		{name: "unknown tag", method: http.MethodGet, path: "/v2/team/pause/manifests/v2", wantStatus: http.StatusNotFound},
		{name: "unknown repository", method: http.MethodGet, path: "/v2/other/manifests/v1", wantStatus: http.StatusNotFound},
		{name: "unknown blob", method: http.MethodGet, path: "/v2/team/pause/blobs/sha256:00", wantStatus: http.StatusNotFound},
		{name: "push refused", method: http.MethodPost, path: "/v2/team/pause/blobs/uploads/", wantStatus: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(tt.method, tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.wantStatus)
			}
		})
	}

	resp, body := get(http.MethodGet, "/v2/team/pause/manifests/v1")
	digest := resp.Header.Get("Docker-Content-Digest")
	if resp.Header.Get("Content-Type") != "application/vnd.oci.image.manifest.v1+json" || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("manifest headers: %v", resp.Header)
	}
	if resp, _ := get(http.MethodGet, "/v2/team/pause/manifests/"+digest); resp.StatusCode != http.StatusOK {
		t.Fatalf("manifest by digest: %d", resp.StatusCode)
	}
	// Every blob the manifest names is served.
	for _, field := range strings.Split(body, `"digest":"`)[1:] {
		blob := field[:strings.IndexByte(field, '"')]
		if resp, _ := get(http.MethodGet, "/v2/team/pause/blobs/"+blob); resp.StatusCode != http.StatusOK {
			t.Errorf("blob %s: %d", blob, resp.StatusCode)
		}
	}
	if len(reg.Requests()) == 0 || !strings.HasPrefix(reg.Host(), "127.0.0.1:") {
		t.Fatal("requests not recorded")
	}
}
