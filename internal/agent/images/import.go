package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Namespace is the containerd namespace CRI uses.
const Namespace = "k8s.io"

// ErrCtrMissing is wrapped by Import when ctr is not installed.
var ErrCtrMissing = errors.New("ctr not found: install the Debian package containerd (apt-get install containerd runc)")

// Import loads an OCI image-layout (or docker save) tarball into the k8s.io
// namespace of the containerd at address ("unix:///path" or "/path"), where
// CRI sees it. It shells out to ctr, which ships with containerd.
func Import(ctx context.Context, address, tarball string) error {
	ctr, err := exec.LookPath("ctr")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCtrMissing, err)
	}
	address = strings.TrimPrefix(address, "unix://")
	// --no-unpack is not passed: unpacking now keeps the first container
	// start fast. --all-platforms is not needed for one-platform images.
	cmd := exec.CommandContext(ctx, ctr, "--address", address, "--namespace", Namespace,
		"images", "import", "--snapshotter", "overlayfs", tarball)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("images: import %s: %w: %s", tarball, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ImportDir imports every *.tar in dir (the agent's DATA_DIR/agent/images)
// in name order. A missing dir is not an error. It stops at the first
// failure.
func ImportDir(ctx context.Context, address, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".tar") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := Import(ctx, address, path); err != nil {
			return err
		}
	}
	return nil
}

// Preload is what the agent runs at start, before any pod: it writes the
// pause image and, when busybox-static is installed, the busybox image into
// dir (DATA_DIR/agent/images), then imports every tarball there, including
// ones an operator dropped in.
func Preload(ctx context.Context, address, dir string) error {
	if _, err := BuildPause(dir); err != nil {
		return err
	}
	if _, err := BuildBusybox(dir, BusyboxImage); err != nil && !errors.Is(err, ErrBusyboxMissing) {
		return err
	}
	return ImportDir(ctx, address, dir)
}
