package images

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BusyboxPath is where Debian's busybox-static installs its binary.
const BusyboxPath = "/bin/busybox"

// ErrBusyboxMissing is wrapped by BuildBusybox when no static busybox is
// installed.
var ErrBusyboxMissing = errors.New("busybox-static not found: install the Debian package busybox-static (apt-get install busybox-static)")

// DefaultPath is the PATH of images built here.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// BuildBusybox writes an image named name (BusyboxImage when empty) holding
// the host's static busybox as /bin/busybox with a symlink in /bin for each
// applet, and returns the tarball's path in dir.
func BuildBusybox(dir, name string) (string, error) {
	if name == "" {
		name = BusyboxImage
	}
	img, err := BusyboxImageSpec(name)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, tarballName(name))
	if err := Write(path, img); err != nil {
		return "", err
	}
	return path, nil
}

// BusyboxImageSpec returns the busybox image description, so tests can add
// files or change the command before calling Write.
func BusyboxImageSpec(name string) (Image, error) {
	data, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return Image{}, fmt.Errorf("%w: %w", ErrBusyboxMissing, err)
	}
	// A dynamically linked busybox (Debian's "busybox" package) would not
	// run in an image without its libraries.
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return Image{}, fmt.Errorf("images: %s is not an ELF binary: %w", BusyboxPath, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return Image{}, fmt.Errorf("%w: %s is dynamically linked", ErrBusyboxMissing, BusyboxPath)
		}
	}
	out, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		return Image{}, fmt.Errorf("images: %s --list: %w", BusyboxPath, err)
	}
	files := []File{
		{Path: "/bin/busybox", Mode: 0o755, Data: data},
		{Path: "/usr/bin/env", Mode: os.ModeSymlink, Linkname: "/bin/busybox"},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")},
		{Path: "/etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
		{Path: "/tmp", Mode: os.ModeDir | os.ModeSticky | 0o777},
		{Path: "/root", Mode: os.ModeDir | 0o700},
		{Path: "/home", Mode: os.ModeDir | 0o755},
		{Path: "/var/www", Mode: os.ModeDir | 0o755},
		{Path: "/proc", Mode: os.ModeDir | 0o555},
		{Path: "/sys", Mode: os.ModeDir | 0o555},
		{Path: "/dev", Mode: os.ModeDir | 0o755},
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		files = append(files, File{Path: "/bin/" + applet, Mode: os.ModeSymlink, Linkname: "busybox"})
	}
	return Image{
		Name:  name,
		Files: files,
		Cmd:   []string{"sh"},
		Env:   []string{"PATH=" + DefaultPath},
	}, nil
}

// tarballName turns an image reference into a file name:
// "nauta.local/busybox:latest" becomes "nauta.local_busybox_latest.tar".
func tarballName(ref string) string {
	r := strings.NewReplacer("/", "_", ":", "_", "@", "_")
	return r.Replace(ref) + ".tar"
}
