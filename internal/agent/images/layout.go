package images

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Image names the agent uses.
const (
	PauseImage   = "nauta.local/pause:3.10"
	BusyboxImage = "nauta.local/busybox:latest"
)

// OCI media types and annotations written into the layout.
const (
	mediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
	annotationRefName = "org.opencontainers.image.ref.name"
	// containerd's importer takes the full image name from this one.
	annotationImageName = "io.containerd.image.name"
)

// ErrInvalidImage is wrapped by Write for an Image it cannot build.
var ErrInvalidImage = errors.New("images: invalid image")

// File is one entry of an image's single layer.
type File struct {
	Path     string // absolute path inside the image, e.g. "/bin/busybox"
	Mode     os.FileMode
	Data     []byte // regular file content
	Linkname string // symlink target when Mode has os.ModeSymlink
}

// Image describes a one-layer image.
type Image struct {
	Name       string // full reference, e.g. "nauta.local/busybox:latest"
	Arch       string // GOARCH naming; default runtime.GOARCH
	Files      []File // directories are created for every parent path
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	Labels     map[string]string
}

// fixedTime keeps layers byte-identical across builds, so their digests
// (and containerd's content store) do not churn on every agent start.
var fixedTime = time.Unix(0, 0).UTC()

// Write builds img as an OCI image-layout tarball at path.
func Write(path string, img Image) error {
	if img.Name == "" || strings.ContainsAny(img.Name, " \t\n") {
		return fmt.Errorf("%w: name %q", ErrInvalidImage, img.Name)
	}
	if img.Arch == "" {
		img.Arch = runtime.GOARCH
	}
	layer, diffID, err := buildLayer(img.Files)
	if err != nil {
		return err
	}
	config := map[string]any{
		"created":      fixedTime.Format(time.RFC3339),
		"architecture": img.Arch,
		"os":           "linux",
		"config": map[string]any{
			"Entrypoint": img.Entrypoint,
			"Cmd":        img.Cmd,
			"Env":        img.Env,
			"WorkingDir": img.WorkingDir,
			"Labels":     img.Labels,
		},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{diffID},
		},
		"history": []map[string]any{{
			"created":    fixedTime.Format(time.RFC3339),
			"created_by": "nauta images.Write",
		}},
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("images: encode config: %w", err)
	}
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeManifest,
		"config":        descriptor(mediaTypeConfig, configJSON),
		"layers":        []any{descriptor(mediaTypeLayer, layer)},
	}
	manifestJSON, err := json.Marshal(manifest)
	if err != nil {
		return fmt.Errorf("images: encode manifest: %w", err)
	}
	manifestDesc := descriptor(mediaTypeManifest, manifestJSON)
	manifestDesc["platform"] = map[string]string{"architecture": img.Arch, "os": "linux"}
	manifestDesc["annotations"] = map[string]string{
		annotationRefName:   img.Name,
		annotationImageName: img.Name,
	}
	index := map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeIndex,
		"manifests":     []any{manifestDesc},
	}
	indexJSON, err := json.Marshal(index)
	if err != nil {
		return fmt.Errorf("images: encode index: %w", err)
	}

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	entries := []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", indexJSON},
		{blobPath(configJSON), configJSON},
		{blobPath(layer), layer},
		{blobPath(manifestJSON), manifestJSON},
	}
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: fixedTime}); err != nil {
			return fmt.Errorf("images: write layout: %w", err)
		}
	}
	for _, e := range entries {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: fixedTime}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("images: write layout: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return fmt.Errorf("images: write layout: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("images: write layout: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	// Write then rename: ImportDir may run while an image is being built.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out.Bytes(), 0o644); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return nil
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func blobPath(data []byte) string {
	return "blobs/sha256/" + strings.TrimPrefix(digestOf(data), "sha256:")
}

func descriptor(mediaType string, data []byte) map[string]any {
	return map[string]any{"mediaType": mediaType, "digest": digestOf(data), "size": len(data)}
}

// buildLayer returns the gzipped layer tar and the digest of the
// uncompressed tar (the diff ID).
func buildLayer(files []File) (layer []byte, diffID string, err error) {
	entries := map[string]File{}
	for _, f := range files {
		clean := filepath.Clean("/" + f.Path)
		if clean == "/" {
			return nil, "", fmt.Errorf("%w: file path %q", ErrInvalidImage, f.Path)
		}
		f.Path = clean
		entries[clean] = f
		for dir := filepath.Dir(clean); dir != "/"; dir = filepath.Dir(dir) {
			if _, ok := entries[dir]; !ok {
				entries[dir] = File{Path: dir, Mode: os.ModeDir | 0o755}
			}
		}
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	// Sorted paths put every directory before its contents.
	sort.Strings(names)

	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, name := range names {
		f := entries[name]
		hdr := &tar.Header{
			Name:    strings.TrimPrefix(name, "/"),
			Mode:    int64(f.Mode.Perm()),
			ModTime: fixedTime,
			Uname:   "root",
			Gname:   "root",
		}
		if f.Mode&os.ModeSticky != 0 {
			hdr.Mode |= 0o1000
		}
		switch {
		case f.Mode.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case f.Mode&os.ModeSymlink != 0:
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = f.Linkname
			hdr.Mode = 0o777
		default:
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(f.Data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, "", fmt.Errorf("images: layer: %w", err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, "", fmt.Errorf("images: layer: %w", err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", fmt.Errorf("images: layer: %w", err)
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, "", fmt.Errorf("images: layer: %w", err)
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, "", fmt.Errorf("images: layer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, "", fmt.Errorf("images: layer: %w", err)
	}
	return gz.Bytes(), digestOf(raw.Bytes()), nil
}
