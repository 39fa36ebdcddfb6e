package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/storage"
)

// getPodLog serves GET pods/NAME/log: 404 for a missing pod, 400 for bad
// options or an unknown or ambiguous container, as upstream an empty log
// for a pod that is not scheduled yet, and otherwise the log streamed from
// the kubelet of the pod's node (followed with follow=true).
func (h *Handler) getPodLog(w http.ResponseWriter, r *http.Request, s *scope) {
	container, err := podLogQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	obj := s.ep.newStored()
	if err := s.ep.store.Get(r.Context(), s.key(s.name), storage.GetOptions{}, obj); err != nil {
		s.fail(w, r, err)
		return
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		s.fail(w, r, fmt.Errorf("pods/log: stored object is %T", obj))
		return
	}
	container, err = logContainer(pod, container)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pod.Spec.NodeName == "" {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return
	}
	if h.kubelet == nil {
		s.fail(w, r, errNoKubeletClient(fmt.Sprintf("logs of container %s in pod %s are on node %s", container, pod.Name, pod.Spec.NodeName)))
		return
	}
	target, err := h.kubeletLocation(r.Context(), pod.Spec.NodeName)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	target.Path = "/containerLogs/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name) + "/" + url.PathEscape(container)
	target.RawQuery = kubeletLogQuery(r.URL.Query()).Encode()
	if err := h.kubelet.streamFromKubelet(w, r, target, "text/plain"); err != nil {
		s.fail(w, r, err)
	}
}

// kubeletLogQuery is the kubelet's containerLogs query for the
// PodLogOptions query (already checked by podLogQuery).
func kubeletLogQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, name := range []string{"follow", "previous", "timestamps"} {
		if v, err := strconv.ParseBool(q.Get(name)); err == nil && v {
			out.Set(name, "true")
		}
	}
	for _, name := range []string{"sinceSeconds", "tailLines", "limitBytes", "sinceTime"} {
		if v := q.Get(name); v != "" {
			out.Set(name, v)
		}
	}
	return out
}

// logContainer is the container whose log is asked for: the named one, or
// the only one. The messages are the ones kubectl users see upstream.
func logContainer(pod *corev1.Pod, name string) (string, error) {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name)
	}
	if name != "" {
		for _, n := range names {
			if n == name {
				return name, nil
			}
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	switch len(pod.Spec.Containers) {
	case 1:
		return pod.Spec.Containers[0].Name, nil
	case 0:
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, names))
	}
}

// podLogQuery checks the PodLogOptions query parameters and returns the
// container asked for. The scheme has no query conversion for
// PodLogOptions (it lives with upstream's server code), so the few typed
// parameters are parsed here.
func podLogQuery(q url.Values) (string, error) {
	for _, name := range []string{"follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend"} {
		if v := q.Get(name); v != "" {
			if _, err := strconv.ParseBool(v); err != nil {
				return "", apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for %s: %v", v, name, err))
			}
		}
	}
	for _, name := range []string{"sinceSeconds", "tailLines", "limitBytes"} {
		if v := q.Get(name); v != "" {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return "", apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for %s: %v", v, name, err))
			}
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return "", apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for sinceTime: %v", v, err))
		}
	}
	return q.Get("container"), nil
}
