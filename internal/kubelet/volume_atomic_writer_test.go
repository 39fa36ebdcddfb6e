package kubelet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first := map[string]volumeFile{
		"a":       {data: []byte("one"), mode: 0o644},
		"sub/b":   {data: []byte("two"), mode: 0o600},
		"removed": {data: []byte("x"), mode: 0o644},
	}
	changed, err := writeAtomic(dir, first, now)
	if err != nil || !changed {
		t.Fatalf("first write: changed %v, %v", changed, err)
	}
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}
	if read("a") != "one" || read("sub/b") != "two" || read("removed") != "x" {
		t.Fatalf("payload: %q %q %q", read("a"), read("sub/b"), read("removed"))
	}
	if target, _ := os.Readlink(filepath.Join(dir, "a")); target != "..data/a" {
		t.Fatalf("a links to %q", target)
	}
	ts1, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if !strings.HasPrefix(ts1, "..2026_01_02_03_04_05.") {
		t.Fatalf("..data -> %q", ts1)
	}
	if info, err := os.Stat(filepath.Join(dir, "sub/b")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode of sub/b: %v %v", info, err)
	}

	// The same payload again changes nothing.
	if changed, err := writeAtomic(dir, first, now.Add(time.Second)); err != nil || changed {
		t.Fatalf("same payload: changed %v, %v", changed, err)
	}

	second := map[string]volumeFile{"a": {data: []byte("uno"), mode: 0o644}, "sub/b": {data: []byte("two"), mode: 0o600}}
	if changed, err := writeAtomic(dir, second, now.Add(time.Minute)); err != nil || !changed {
		t.Fatalf("update: changed %v, %v", changed, err)
	}
	if read("a") != "uno" || read("sub/b") != "two" {
		t.Fatalf("updated payload: %q %q", read("a"), read("sub/b"))
	}
	if _, err := os.Lstat(filepath.Join(dir, "removed")); !os.IsNotExist(err) {
		t.Fatalf("removed key still visible: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ts1)); !os.IsNotExist(err) {
		t.Fatalf("old timestamped directory still there: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 { // ..<ts>, ..data, a, sub
		t.Fatalf("volume directory holds %q", names)
	}

	for _, bad := range []string{"../x", "/etc/passwd", "a/../../x", "..data"} {
		if _, err := writeAtomic(dir, map[string]volumeFile{bad: {data: nil, mode: 0o644}}, now); !errors.Is(err, errBadVolumePath) {
			t.Errorf("path %q: err = %v", bad, err)
		}
	}
}

func TestResolveSubPath(t *testing.T) {
	base := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(base, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sub, want string
		err       bool
	}{
		{"file", filepath.Join(base, "file"), false},
		{"link", filepath.Join(base, "file"), false},
		{"../../etc", filepath.Join(base, "etc"), false}, // cleaned into the volume, then created
		{"escape", "", true},
		{"new/dir", filepath.Join(base, "new/dir"), false},
	} {
		t.Run(tc.sub, func(t *testing.T) {
			got, err := resolveSubPath(base, tc.sub)
			if (err != nil) != tc.err {
				t.Fatalf("resolveSubPath(%q) error %v", tc.sub, err)
			}
			if !tc.err {
				realBase, _ := filepath.EvalSymlinks(base)
				if want := strings.Replace(tc.want, base, realBase, 1); got != want {
					t.Fatalf("resolveSubPath(%q) = %q, want %q", tc.sub, got, want)
				}
			}
		})
	}
}
