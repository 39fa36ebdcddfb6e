package kubelet

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// setupEmptyDir creates an emptyDir volume. medium Memory mounts a tmpfs
// sized by sizeLimit, or by the pod's memory limit when every container
// has one (upstream's memory-backed volume sizing); a disk emptyDir is a
// directory whose sizeLimit the eviction check enforces.
func (k *Kubelet) setupEmptyDir(pod *v1.Pod, vol v1.Volume) error {
	dir := k.volumeDir(pod, "empty-dir", vol.Name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	if vol.EmptyDir.Medium != v1.StorageMediumMemory {
		return os.Chmod(dir, 0o777)
	}
	if mounted, err := isMountPoint(dir); err != nil || mounted {
		return err
	}
	opts := "mode=0777"
	if size := memoryVolumeSize(pod, vol.EmptyDir); size > 0 {
		opts += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// memoryVolumeSize is the tmpfs size of a memory-backed emptyDir: the
// smallest of sizeLimit, the pod's memory limit and the node's memory, as
// upstream sizes memory-backed volumes; 0 means the kernel's default.
func memoryVolumeSize(pod *v1.Pod, src *v1.EmptyDirVolumeSource) int64 {
	size, _ := memTotal()
	if src.SizeLimit != nil && src.SizeLimit.Value() > 0 && (size == 0 || src.SizeLimit.Value() < size) {
		size = src.SizeLimit.Value()
	}
	if lim := podMemoryLimit(pod); lim > 0 && (size == 0 || lim < size) {
		size = lim
	}
	return size
}

// podMemoryLimit is the sum of the app containers' memory limits, or the
// largest init container limit if bigger; 0 when some container has none.
func podMemoryLimit(pod *v1.Pod) int64 {
	var sum int64
	for _, c := range pod.Spec.Containers {
		lim := c.Resources.Limits.Memory().Value()
		if lim == 0 {
			return 0
		}
		sum += lim
	}
	for _, c := range pod.Spec.InitContainers {
		lim := c.Resources.Limits.Memory().Value()
		if lim == 0 {
			return 0
		}
		if !isSidecar(&c) && lim > sum {
			sum = lim
		}
	}
	return sum
}

// mountPoints lists the mount points at or under dir, deepest first.
func mountPoints(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountPath(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, s.Err()
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+3 < len(p) {
			if n, err := strconv.ParseUint(p[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isMountPoint(dir string) (bool, error) {
	mps, err := mountPoints(dir)
	if err != nil {
		return false, err
	}
	for _, mp := range mps {
		if mp == dir {
			return true, nil
		}
	}
	return false, nil
}

// unmountAll detaches every mount under dir (tmpfs volumes) so that the
// directory can be removed.
func unmountAll(dir string) error {
	mps, err := mountPoints(dir)
	if err != nil {
		return err
	}
	for _, mp := range mps {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			return fmt.Errorf("unmount %s: %w", mp, err)
		}
	}
	return nil
}

// diskUsage is the space the files under dir take (allocated blocks, as du
// counts them), without crossing into other file systems.
func diskUsage(dir string) (int64, error) {
	var root unix.Stat_t
	if err := unix.Lstat(dir, &root); err != nil {
		return 0, err
	}
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return nil
		}
		if st.Dev != root.Dev {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		total += st.Blocks * 512
		return nil
	})
	return total, err
}
