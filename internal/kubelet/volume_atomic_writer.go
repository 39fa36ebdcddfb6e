package kubelet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Names inside a volume written by writeAtomic, as upstream's atomic writer
// lays them out: the payload lives in a timestamped directory, "..data"
// points at it, and every top-level entry the user sees is a symlink
// through "..data". Swapping "..data" with one rename switches the whole
// set at once, so readers never see half of an update.
const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
)

// volumeFile is one file of a volume payload.
type volumeFile struct {
	data []byte
	mode os.FileMode
}

// errBadVolumePath is a payload path that would leave the volume.
var errBadVolumePath = errors.New("invalid volume file path")

// validatePayloadPath accepts relative paths without ".." elements that
// do not start with "..".
func validatePayloadPath(p string) error {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "..") {
		return fmt.Errorf("%w: %q", errBadVolumePath, p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("%w: %q", errBadVolumePath, p)
		}
	}
	return nil
}

// payloadDigest identifies a payload, so unchanged ones are not compared
// with the disk again.
func payloadDigest(files map[string]volumeFile) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", p, files[p].mode, len(files[p].data))
		h.Write(files[p].data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeAtomic makes dir show exactly files. It reports whether anything
// changed; an identical payload on disk is left alone.
func writeAtomic(dir string, files map[string]volumeFile, now time.Time) (bool, error) {
	for p := range files {
		if err := validatePayloadPath(p); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	oldTS, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if oldTS != "" && payloadOnDisk(filepath.Join(dir, oldTS), files) {
		return false, nil
	}

	tsDir, err := os.MkdirTemp(dir, now.UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, err
	}
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return false, err
	}
	for p, f := range files {
		full := filepath.Join(tsDir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return false, err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return false, err
		}
		// WriteFile's mode passes through the umask.
		if err := os.Chmod(full, f.mode); err != nil {
			return false, err
		}
	}

	tmpLink := filepath.Join(dir, newDataDirName)
	_ = os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
		return false, err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		return false, err
	}

	// The user-visible entries: one symlink per top-level name.
	want := map[string]bool{}
	for p := range files {
		top, _, _ := strings.Cut(p, "/")
		want[top] = true
	}
	for top := range want {
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataDirName, top), link); err != nil {
			return false, err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") || want[name] {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
	if oldTS != "" && oldTS != filepath.Base(tsDir) {
		if err := os.RemoveAll(filepath.Join(dir, oldTS)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// payloadOnDisk is true when tsDir holds exactly files.
func payloadOnDisk(tsDir string, files map[string]volumeFile) bool {
	seen := 0
	err := filepath.WalkDir(tsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(tsDir, path)
		if err != nil {
			return err
		}
		f, ok := files[rel]
		if !ok {
			return fs.ErrNotExist
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm() != f.mode.Perm() {
			return fs.ErrNotExist
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(b, f.data) {
			return fs.ErrNotExist
		}
		seen++
		return nil
	})
	return err == nil && seen == len(files)
}
