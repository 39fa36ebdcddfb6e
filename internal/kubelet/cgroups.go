package kubelet

import (
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/types"
)

// cgroupRoot is where the cgroupfs hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// removePodCgroups removes the pod's (by then empty) cgroup directories that
// runc created under the kubepods parent, in every mounted hierarchy.
func removePodCgroups(uid types.UID) {
	hierarchies, _ := filepath.Glob(filepath.Join(cgroupRoot, "*"))
	hierarchies = append(hierarchies, cgroupRoot)
	for _, h := range hierarchies {
		for _, qos := range []string{"", "burstable", "besteffort"} {
			// rmdir only succeeds on an empty cgroup, which is what we want.
			_ = os.Remove(filepath.Join(h, "kubepods", qos, "pod"+string(uid)))
		}
	}
}
