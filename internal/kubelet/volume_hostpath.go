package kubelet

import (
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
)

// errVolumeSetup is a volume that could not be prepared; the pod waits in
// ContainerCreating with a FailedMount event, as upstream.
type errVolumeSetup struct {
	volume string
	err    error
}

func (e *errVolumeSetup) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.volume, e.err)
}

func (e *errVolumeSetup) Unwrap() error { return e.err }

// checkHostPath applies a hostPath volume's type: the *OrCreate types
// create what is missing, the others require what is there to be of that
// kind. Messages follow upstream's.
func checkHostPath(src *v1.HostPathVolumeSource) error {
	t := v1.HostPathUnset
	if src.Type != nil {
		t = *src.Type
	}
	path := src.Path
	info, err := os.Stat(path)
	exists := err == nil
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	fail := func(what string) error {
		return fmt.Errorf("hostPath type check failed: %s is not a %s", path, what)
	}
	switch t {
	case v1.HostPathUnset:
		return nil
	case v1.HostPathDirectoryOrCreate:
		if !exists {
			return os.MkdirAll(path, 0o755)
		}
		if !info.IsDir() {
			return fail("directory")
		}
	case v1.HostPathFileOrCreate:
		if !exists {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if !info.Mode().IsRegular() {
			return fail("file")
		}
	case v1.HostPathDirectory:
		if !exists || !info.IsDir() {
			return fail("directory")
		}
	case v1.HostPathFile:
		if !exists || !info.Mode().IsRegular() {
			return fail("file")
		}
	case v1.HostPathSocket:
		if !exists || info.Mode()&os.ModeSocket == 0 {
			return fail("socket file")
		}
	case v1.HostPathCharDev:
		if !exists || info.Mode()&os.ModeCharDevice == 0 {
			return fail("character device")
		}
	case v1.HostPathBlockDev:
		if !exists || info.Mode()&os.ModeDevice == 0 || info.Mode()&os.ModeCharDevice != 0 {
			return fail("block device")
		}
	default:
		return fmt.Errorf("hostPath type %q is not supported", t)
	}
	return nil
}
