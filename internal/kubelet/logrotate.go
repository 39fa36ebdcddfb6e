package kubelet

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Container log rotation, upstream's defaults: the runtime only appends, so
// the kubelet renames a log past containerLogMaxSize, asks the runtime to
// reopen it, and keeps containerLogMaxFiles files per container.
const (
	containerLogMaxSize  = 10 << 20
	containerLogMaxFiles = 5
)

// rotateLogs rotates the logs of running containers that grew too big.
func (k *Kubelet) rotateLogs(ctx context.Context) {
	resp, err := k.runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}})
	if err != nil {
		return
	}
	for _, c := range resp.Containers {
		st, err := k.runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
		if err != nil || st.Status.LogPath == "" {
			continue
		}
		path := st.Status.LogPath
		info, err := os.Stat(path)
		if err != nil || info.Size() < containerLogMaxSize {
			continue
		}
		rotated := path + "." + time.Now().UTC().Format("20060102-150405")
		if err := os.Rename(path, rotated); err != nil {
			continue
		}
		if _, err := k.runtime.ReopenContainerLog(ctx, &runtimeapi.ReopenContainerLogRequest{ContainerId: c.Id}); err != nil {
			// Put it back: the runtime still writes to the renamed file.
			_ = os.Rename(rotated, path)
			k.log.Warn("reopening a container log failed", "container", c.Id, "err", err)
			continue
		}
		old, _ := filepath.Glob(path + ".*")
		sort.Strings(old)
		for len(old) > containerLogMaxFiles-1 {
			_ = os.Remove(old[0])
			old = old[1:]
		}
	}
}
