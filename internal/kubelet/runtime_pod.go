package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Labels and annotations on sandboxes and containers, as upstream sets them:
// they let a restarted kubelet find what belongs to which pod.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"

	annotationRestartCount      = "io.kubernetes.container.restartCount"
	annotationTermMessagePath   = "io.kubernetes.container.terminationMessagePath"
	annotationTermMessagePolicy = "io.kubernetes.container.terminationMessagePolicy"
	annotationGracePeriod       = "io.kubernetes.pod.terminationGracePeriod"
	// annotationTermMessageFile is Nauta's own: the host file mounted at
	// terminationMessagePath.
	annotationTermMessageFile = "nauta.io/termination-message-file"
)

// runtimeContainer is one CRI container of a pod with its status.
type runtimeContainer struct {
	id           string
	name         string
	sandboxID    string
	restartCount int
	status       *runtimeapi.ContainerStatus
}

func (c *runtimeContainer) running() bool {
	return c.status.State == runtimeapi.ContainerState_CONTAINER_RUNNING
}

func (c *runtimeContainer) exited() bool {
	return c.status.State == runtimeapi.ContainerState_CONTAINER_EXITED
}

func (c *runtimeContainer) startedAt() time.Time  { return time.Unix(0, c.status.StartedAt) }
func (c *runtimeContainer) finishedAt() time.Time { return time.Unix(0, c.status.FinishedAt) }

// runtimePod is what the runtime has of one pod.
type runtimePod struct {
	sandboxes  []*runtimeapi.PodSandbox       // newest first
	containers map[string][]*runtimeContainer // by container name, newest first
}

// readySandbox is the newest ready sandbox, or nil.
func (p *runtimePod) readySandbox() *runtimeapi.PodSandbox {
	for _, sb := range p.sandboxes {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			return sb
		}
	}
	return nil
}

// latest is the newest container named name, or nil; previous the one
// before it.
func (p *runtimePod) latest(name string) *runtimeContainer {
	if cs := p.containers[name]; len(cs) > 0 {
		return cs[0]
	}
	return nil
}

func (p *runtimePod) previous(name string) *runtimeContainer {
	if cs := p.containers[name]; len(cs) > 1 {
		return cs[1]
	}
	return nil
}

// getRuntimePod lists the pod's sandboxes and containers by the pod UID
// label.
func (k *Kubelet) getRuntimePod(ctx context.Context, uid types.UID) (*runtimePod, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := k.runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
		Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel},
	})
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	cs, err := k.runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{
		Filter: &runtimeapi.ContainerFilter{LabelSelector: sel},
	})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	p := &runtimePod{sandboxes: sbs.Items, containers: map[string][]*runtimeContainer{}}
	sort.Slice(p.sandboxes, func(i, j int) bool { return p.sandboxes[i].CreatedAt > p.sandboxes[j].CreatedAt })
	for _, c := range cs.Containers {
		st, err := k.runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
		if err != nil {
			// Removed between list and status.
			continue
		}
		rc := &runtimeContainer{
			id:        c.Id,
			name:      c.Labels[labelContainerName],
			sandboxID: c.PodSandboxId,
			status:    st.Status,
		}
		rc.restartCount, _ = strconv.Atoi(c.Annotations[annotationRestartCount])
		p.containers[rc.name] = append(p.containers[rc.name], rc)
	}
	for _, list := range p.containers {
		sort.Slice(list, func(i, j int) bool {
			if list[i].restartCount != list[j].restartCount {
				return list[i].restartCount > list[j].restartCount
			}
			return list[i].status.CreatedAt > list[j].status.CreatedAt
		})
	}
	return p, nil
}
