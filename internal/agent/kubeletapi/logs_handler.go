package kubeletapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// parseLogQuery reads the containerLogs query: follow, previous,
// timestamps, tailLines, limitBytes, sinceSeconds, sinceTime.
func parseLogQuery(q url.Values, now time.Time) (opts LogOptions, previous bool, err error) {
	opts.TailLines = -1
	boolean := func(name string) (bool, error) {
		v := q.Get(name)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, badRequestf("invalid value %q for %s", v, name)
		}
		return b, nil
	}
	number := func(name string) (int64, bool, error) {
		v := q.Get(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false, badRequestf("invalid value %q for %s", v, name)
		}
		return n, true, nil
	}
	if opts.Follow, err = boolean("follow"); err != nil {
		return opts, false, err
	}
	if previous, err = boolean("previous"); err != nil {
		return opts, false, err
	}
	if opts.Timestamps, err = boolean("timestamps"); err != nil {
		return opts, false, err
	}
	if n, ok, err := number("tailLines"); err != nil {
		return opts, false, err
	} else if ok {
		if n < 0 {
			return opts, false, badRequestf("tailLines must be greater than or equal to 0")
		}
		opts.TailLines = n
	}
	if n, ok, err := number("limitBytes"); err != nil {
		return opts, false, err
	} else if ok {
		if n < 1 {
			return opts, false, badRequestf("limitBytes must be greater than 0")
		}
		opts.LimitBytes = n
	}
	n, hasSeconds, err := number("sinceSeconds")
	if err != nil {
		return opts, false, err
	}
	sinceTime := q.Get("sinceTime")
	if hasSeconds && sinceTime != "" {
		return opts, false, badRequestf("at most one of sinceTime or sinceSeconds may be specified")
	}
	if hasSeconds {
		if n < 1 {
			return opts, false, badRequestf("sinceSeconds must be greater than 0")
		}
		opts.Since = now.Add(-time.Duration(n) * time.Second)
	}
	if sinceTime != "" {
		t, err := time.Parse(time.RFC3339, sinceTime)
		if err != nil {
			return opts, false, badRequestf("invalid value %q for sinceTime", sinceTime)
		}
		opts.Since = t
	}
	return opts, previous, nil
}

func (s *Server) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	ns, podName, name := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	opts, previous, err := parseLogQuery(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	pod, err := s.findPod(ns, podName, "")
	if err != nil {
		writeError(w, err)
		return
	}
	path, containerID, err := s.logPath(r.Context(), pod, name, previous)
	if err != nil {
		writeError(w, err)
		return
	}
	if _, err := os.Stat(path); err != nil {
		writeError(w, notFoundf("log of container %q in pod %q: %v", name, pod.Name, err))
		return
	}
	if previous {
		opts.Follow = false
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	flush := func() { _ = rc.Flush() }
	running := func(ctx context.Context) bool {
		resp, err := s.cfg.Runtime.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: containerID})
		if err != nil {
			return false
		}
		st := resp.GetStatus().GetState()
		return st == runtimeapi.ContainerState_CONTAINER_RUNNING || st == runtimeapi.ContainerState_CONTAINER_CREATED
	}
	if err := copyLog(r.Context(), path, opts, w, flush, running); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Debug("container log copy ended", "pod", ns+"/"+podName, "container", name, "err", err)
	}
}

// logPath finds the CRI log file of the container (its previous
// instance with previous), with the upstream kubelet's messages when there
// is none.
func (s *Server) logPath(ctx context.Context, pod *corev1.Pod, name string, previous bool) (path, containerID string, err error) {
	if !specHasContainer(pod, name) {
		return "", "", notFoundf("container %q not found in pod %q", name, pod.Name)
	}
	cs, err := s.podContainers(ctx, pod, name)
	if err != nil {
		return "", "", err
	}
	if len(cs) == 0 {
		if st := containerStatus(pod, name); st != nil && st.State.Waiting != nil && st.State.Waiting.Reason != "" {
			return "", "", badRequestf("container %q in pod %q is waiting to start: %s", name, pod.Name, st.State.Waiting.Reason)
		}
		if previous {
			return "", "", badRequestf("previous terminated container %q in pod %q not found", name, pod.Name)
		}
		return "", "", badRequestf("container %q in pod %q is waiting to start: ContainerCreating", name, pod.Name)
	}
	if !previous {
		return s.containerLogPath(ctx, pod, cs[0]), cs[0].Id, nil
	}
	if len(cs) > 1 {
		return s.containerLogPath(ctx, pod, cs[1]), cs[1].Id, nil
	}
	// The previous instance may be gone from the runtime while its log
	// file (named by restart count) is still there.
	if attempt := cs[0].GetMetadata().GetAttempt(); attempt > 0 {
		p := filepath.Join(s.podLogDir(pod), name, fmt.Sprintf("%d.log", attempt-1))
		if _, err := os.Stat(p); err == nil {
			return p, "", nil
		}
	}
	return "", "", badRequestf("previous terminated container %q in pod %q not found", name, pod.Name)
}

func (s *Server) podLogDir(pod *corev1.Pod) string {
	return filepath.Join(s.cfg.PodLogsDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
}

// containerLogPath asks the runtime where the container logs, falling back
// to the upstream layout under PodLogsDir.
func (s *Server) containerLogPath(ctx context.Context, pod *corev1.Pod, c *runtimeapi.Container) string {
	resp, err := s.cfg.Runtime.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
	if err == nil && filepath.IsAbs(resp.GetStatus().GetLogPath()) {
		return resp.GetStatus().GetLogPath()
	}
	return filepath.Join(s.podLogDir(pod), c.GetMetadata().GetName(), fmt.Sprintf("%d.log", c.GetMetadata().GetAttempt()))
}
