package imagestest

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type manifest struct {
	mediaType string
	digest    string
	data      []byte
}

// Registry is a read-only registry v2 server for tests.
type Registry struct {
	server *httptest.Server

	mu        sync.Mutex
	manifests map[string]map[string]manifest // repository -> tag or digest
	blobs     map[string][]byte              // digest -> content
	requests  []string
}

// NewRegistry starts an empty registry on loopback; it stops when the test
// ends.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()
	r := &Registry{manifests: map[string]map[string]manifest{}, blobs: map[string][]byte{}}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	return r
}

// Host is the registry's "127.0.0.1:port".
func (r *Registry) Host() string { return strings.TrimPrefix(r.server.URL, "http://") }

// URL is the registry's "http://127.0.0.1:port", as a mirror endpoint.
func (r *Registry) URL() string { return r.server.URL }

// Requests lists the requests served so far as "METHOD /path".
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// Push makes the first image of an OCI layout tarball available as
// repoTag ("team/app:v1", without a registry host).
func (r *Registry) Push(t testing.TB, repoTag, layoutTarball string) {
	t.Helper()
	repo, tag, ok := strings.Cut(repoTag, ":")
	if !ok || repo == "" || tag == "" {
		t.Fatalf("imagestest: %q is not repository:tag", repoTag)
	}
	f, err := os.Open(layoutTarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var indexJSON []byte
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("imagestest: read %s: %v", layoutTarball, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case hdr.Name == "index.json":
			indexJSON = data
		case strings.HasPrefix(hdr.Name, "blobs/sha256/"):
			blobs["sha256:"+strings.TrimPrefix(hdr.Name, "blobs/sha256/")] = data
		}
	}
	var index struct {
		Manifests []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(indexJSON, &index); err != nil || len(index.Manifests) == 0 {
		t.Fatalf("imagestest: %s has no usable index.json: %v", layoutTarball, err)
	}
	desc := index.Manifests[0]
	data, ok := blobs[desc.Digest]
	if !ok {
		t.Fatalf("imagestest: %s lacks manifest blob %s", layoutTarball, desc.Digest)
	}
	m := manifest{mediaType: desc.MediaType, digest: desc.Digest, data: data}

	r.mu.Lock()
	defer r.mu.Unlock()
	for d, b := range blobs {
		r.blobs[d] = b
	}
	if r.manifests[repo] == nil {
		r.manifests[repo] = map[string]manifest{}
	}
	r.manifests[repo][tag] = m
	r.manifests[repo][m.digest] = m
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests = append(r.requests, req.Method+" "+req.URL.Path)
	r.mu.Unlock()

	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "read-only registry")
		return
	}
	path := strings.TrimPrefix(req.URL.Path, "/v2/")
	if path == "" || req.URL.Path == "/v2" {
		w.WriteHeader(http.StatusOK)
		return
	}
	// /v2/<repository>/manifests/<reference> and /v2/<repository>/blobs/<digest>;
	// the repository itself may hold slashes.
	if i := strings.LastIndex(path, "/manifests/"); i > 0 {
		repo, ref := path[:i], path[i+len("/manifests/"):]
		r.mu.Lock()
		m, ok := r.manifests[repo][ref]
		r.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		writeContent(w, req, m.mediaType, m.digest, m.data)
		return
	}
	if i := strings.LastIndex(path, "/blobs/"); i > 0 {
		digest := path[i+len("/blobs/"):]
		r.mu.Lock()
		data, ok := r.blobs[digest]
		r.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown")
			return
		}
		writeContent(w, req, "application/octet-stream", digest, data)
		return
	}
	writeError(w, http.StatusNotFound, "NAME_UNKNOWN", "not found")
}

func writeContent(w http.ResponseWriter, req *http.Request, mediaType, digest string, data []byte) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, message)
}
