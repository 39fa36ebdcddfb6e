package kubelet

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestCheckHostPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name string
		path string
		typ  v1.HostPathType
		want string // error text; "" is success
	}{
		{"unset accepts anything", missing, v1.HostPathUnset, ""},
		{"directory", dir, v1.HostPathDirectory, ""},
		{"directory is a file", file, v1.HostPathDirectory, "is not a directory"},
		{"directory missing", missing, v1.HostPathDirectory, "is not a directory"},
		{"file", file, v1.HostPathFile, ""},
		{"file is a directory", dir, v1.HostPathFile, "is not a file"},
		{"socket", sock, v1.HostPathSocket, ""},
		{"socket is a file", file, v1.HostPathSocket, "is not a socket file"},
		{"char device", "/dev/null", v1.HostPathCharDev, ""},
		{"char device is a file", file, v1.HostPathCharDev, "is not a character device"},
		{"block device is a char device", "/dev/null", v1.HostPathBlockDev, "is not a block device"},
		{"directory or create", filepath.Join(dir, "made/dir"), v1.HostPathDirectoryOrCreate, ""},
		{"directory or create on a file", file, v1.HostPathDirectoryOrCreate, "is not a directory"},
		{"file or create", filepath.Join(dir, "made-file"), v1.HostPathFileOrCreate, ""},
		{"file or create on a directory", dir, v1.HostPathFileOrCreate, "is not a file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkHostPath(&v1.HostPathVolumeSource{Path: tc.path, Type: ptr.To(tc.typ)})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("checkHostPath: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "hostPath type check failed: "+tc.path+" "+tc.want) {
				t.Fatalf("checkHostPath error = %v, want %q", err, tc.want)
			}
		})
	}
	if info, err := os.Stat(filepath.Join(dir, "made-file")); err != nil || !info.Mode().IsRegular() {
		t.Fatalf("FileOrCreate did not create a file: %v", err)
	}
	wrapped := &errVolumeSetup{volume: "data", err: os.ErrPermission}
	if !errors.Is(wrapped, os.ErrPermission) || !strings.HasPrefix(wrapped.Error(), `MountVolume.SetUp failed for volume "data" : `) {
		t.Fatalf("errVolumeSetup = %v", wrapped)
	}
}
