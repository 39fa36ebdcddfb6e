package kubeletapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// apiError is an error with the HTTP status and reason to answer it with.
type apiError struct {
	code   int
	reason metav1.StatusReason
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func notFoundf(format string, args ...any) error {
	return &apiError{code: http.StatusNotFound, reason: metav1.StatusReasonNotFound, msg: fmt.Sprintf(format, args...)}
}

func badRequestf(format string, args ...any) error {
	return &apiError{code: http.StatusBadRequest, reason: metav1.StatusReasonBadRequest, msg: fmt.Sprintf(format, args...)}
}

// writeError answers err as a Status: its own code for an apiError, 500
// otherwise.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeStatus(w, ae.code, ae.reason, ae.msg)
		return
	}
	writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
}

// findPod returns the kubelet's pod ns/name (and uid when given).
func (s *Server) findPod(ns, name string, uid types.UID) (*corev1.Pod, error) {
	for _, p := range s.cfg.Pods() {
		if p.Namespace == ns && p.Name == name && (uid == "" || p.UID == uid) {
			return p, nil
		}
	}
	return nil, notFoundf("pod %q not found", ns+"/"+name)
}

// podSandboxes returns the runtime's sandboxes of pod, newest first.
func (s *Server) podSandboxes(ctx context.Context, pod *corev1.Pod) ([]*runtimeapi.PodSandbox, error) {
	resp, err := s.cfg.Runtime.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, fmt.Errorf("list pod sandboxes: %w", err)
	}
	var out []*runtimeapi.PodSandbox
	for _, sb := range resp.Items {
		md := sb.GetMetadata()
		if md.GetUid() == string(pod.UID) && md.GetName() == pod.Name && md.GetNamespace() == pod.Namespace {
			out = append(out, sb)
		}
	}
	slices.SortFunc(out, func(a, b *runtimeapi.PodSandbox) int { return compareNewest(a.CreatedAt, b.CreatedAt) })
	return out, nil
}

// readySandbox is the pod's running sandbox.
func (s *Server) readySandbox(ctx context.Context, pod *corev1.Pod) (*runtimeapi.PodSandbox, error) {
	sbs, err := s.podSandboxes(ctx, pod)
	if err != nil {
		return nil, err
	}
	for _, sb := range sbs {
		if sb.State == runtimeapi.PodSandboxState_SANDBOX_READY {
			return sb, nil
		}
	}
	return nil, badRequestf("pod %q has no running sandbox", pod.Name)
}

// podContainers returns the runtime's containers named name in pod's
// sandboxes, newest first.
func (s *Server) podContainers(ctx context.Context, pod *corev1.Pod, name string) ([]*runtimeapi.Container, error) {
	sbs, err := s.podSandboxes(ctx, pod)
	if err != nil {
		return nil, err
	}
	var out []*runtimeapi.Container
	for _, sb := range sbs {
		resp, err := s.cfg.Runtime.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{
			Filter: &runtimeapi.ContainerFilter{PodSandboxId: sb.Id},
		})
		if err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
		for _, c := range resp.Containers {
			if c.GetMetadata().GetName() == name {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b *runtimeapi.Container) int {
		if a.GetMetadata().GetAttempt() != b.GetMetadata().GetAttempt() {
			return int(b.GetMetadata().GetAttempt()) - int(a.GetMetadata().GetAttempt())
		}
		return compareNewest(a.CreatedAt, b.CreatedAt)
	})
	return out, nil
}

func compareNewest(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// specHasContainer reports whether the pod declares the container.
func specHasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// containerStatus is the pod status entry of the container, or nil.
func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// runningContainer is the ID of the running container name of pod, with
// the upstream message when there is none.
func (s *Server) runningContainer(ctx context.Context, pod *corev1.Pod, name string) (string, error) {
	if !specHasContainer(pod, name) {
		return "", notFoundf("container not found (%q)", name)
	}
	cs, err := s.podContainers(ctx, pod, name)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			return c.Id, nil
		}
	}
	if len(cs) == 0 {
		return "", notFoundf("container not found (%q)", name)
	}
	return "", badRequestf("container %s is not running (state: %s)", name, cs[0].State)
}
