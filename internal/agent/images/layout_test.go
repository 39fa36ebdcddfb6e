package images

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTar returns the regular files and symlinks of a tar stream by name.
func readTar(t *testing.T, r io.Reader) (files map[string][]byte, links map[string]string) {
	t.Helper()
	files, links = map[string][]byte{}, map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, links
		}
		if err != nil {
			t.Fatal(err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[hdr.Name] = data
		case tar.TypeSymlink:
			links[hdr.Name] = hdr.Linkname
		}
	}
}

type testDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Annotations map[string]string `json:"annotations"`
}

// openLayout checks the layout's structure and digests and returns the
// image config, the layer's files and symlinks, and the index entry.
func openLayout(t *testing.T, path string) (config map[string]any, layerFiles map[string][]byte, layerLinks map[string]string, entry testDescriptor) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blobs, _ := readTar(t, f)
	if string(blobs["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Fatalf("oci-layout = %q", blobs["oci-layout"])
	}
	blob := func(d testDescriptor) []byte {
		data, ok := blobs["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
		if !ok || digestOf(data) != d.Digest || len(data) != d.Size {
			t.Fatalf("blob %s missing or corrupt", d.Digest)
		}
		return data
	}
	var index struct {
		Manifests []testDescriptor `json:"manifests"`
	}
	if err := json.Unmarshal(blobs["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, blobs["index.json"])
	}
	entry = index.Manifests[0]
	var manifest struct {
		Config testDescriptor   `json:"config"`
		Layers []testDescriptor `json:"layers"`
	}
	if err := json.Unmarshal(blob(entry), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v", err)
	}
	if err := json.Unmarshal(blob(manifest.Config), &config); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob(manifest.Layers[0])))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	diffIDs := config["rootfs"].(map[string]any)["diff_ids"].([]any)
	if len(diffIDs) != 1 || diffIDs[0] != digestOf(raw) {
		t.Fatalf("diff_ids %v do not match the layer %s", diffIDs, digestOf(raw))
	}
	layerFiles, layerLinks = readTar(t, bytes.NewReader(raw))
	return config, layerFiles, layerLinks, entry
}

func TestBuildPause(t *testing.T) {
	dir := t.TempDir()
	path, err := BuildPause(dir)
	if err != nil {
		t.Fatal(err)
	}
	config, files, _, entry := openLayout(t, path)
	if entry.Annotations[annotationRefName] != PauseImage || entry.Annotations[annotationImageName] != PauseImage {
		t.Fatalf("annotations = %v", entry.Annotations)
	}
	want, _ := PauseELF("amd64")
	if !bytes.Equal(files["pause"], want) {
		t.Fatal("layer lacks the pause program")
	}
	ep := config["config"].(map[string]any)["Entrypoint"].([]any)
	if len(ep) != 1 || ep[0] != "/pause" {
		t.Fatalf("Entrypoint = %v", ep)
	}
	// Rebuilding gives the same bytes: digests stay stable across starts.
	first, _ := os.ReadFile(path)
	if _, err := BuildPause(dir); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if !bytes.Equal(first, second) {
		t.Fatal("BuildPause is not reproducible")
	}
}

func TestBuildBusybox(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Fatalf("%s not found: install the Debian package busybox-static (apt-get install busybox-static); CI=%q", BusyboxPath, os.Getenv("CI"))
	}
	path, err := BuildBusybox(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "nauta.local_busybox_latest.tar" {
		t.Fatalf("path = %s", path)
	}
	config, files, links, entry := openLayout(t, path)
	if entry.Annotations[annotationRefName] != BusyboxImage {
		t.Fatalf("annotations = %v", entry.Annotations)
	}
	if len(files["bin/busybox"]) == 0 {
		t.Fatal("layer lacks bin/busybox")
	}
	for _, applet := range []string{"sh", "echo", "sleep", "httpd", "wget", "nslookup"} {
		if links["bin/"+applet] != "busybox" {
			t.Errorf("bin/%s -> %q, want busybox", applet, links["bin/"+applet])
		}
	}
	if cfg := config["config"].(map[string]any); cfg["Cmd"].([]any)[0] != "sh" {
		t.Fatalf("Cmd = %v", cfg["Cmd"])
	}
}

func TestWriteRejectsBadImages(t *testing.T) {
	tests := []struct {
		name string
		img  Image
	}{
		{name: "no name", img: Image{}},
		{name: "space in name", img: Image{Name: "a b"}},
		{name: "root path", img: Image{Name: "x", Files: []File{{Path: "/"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Write(filepath.Join(t.TempDir(), "x.tar"), tt.img); !errors.Is(err, ErrInvalidImage) {
				t.Fatalf("error = %v, want ErrInvalidImage", err)
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	if err := ImportDir(context.Background(), "/nonexistent.sock", filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Fatalf("ImportDir of a missing dir: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if err := Import(context.Background(), "/x.sock", "/x.tar"); !errors.Is(err, ErrCtrMissing) {
		t.Fatalf("error = %v, want ErrCtrMissing", err)
	}
}
