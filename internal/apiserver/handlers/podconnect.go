package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/storage"
)

// connectPod serves pods/NAME/exec, attach and portforward (GET or POST,
// before any protocol upgrade): after upstream's checks (404 for a missing
// pod, 400 for an unknown or ambiguous container and for a pod without a
// node) it proxies the request, upgrade and streams included, to the
// kubelet of the pod's node. WebSocket v5 exec and attach requests are
// translated to SPDY towards the kubelet (see translateToSPDY), and SPDY
// port forwarding tunneled in WebSocket is untunneled (see tunnelToSPDY).
func (h *Handler) connectPod(w http.ResponseWriter, r *http.Request, s *scope) {
	obj := s.ep.newStored()
	if err := s.ep.store.Get(r.Context(), s.key(s.name), storage.GetOptions{}, obj); err != nil {
		s.fail(w, r, err)
		return
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		s.fail(w, r, fmt.Errorf("pods/%s: stored object is %T", s.info.Subresource, obj))
		return
	}
	q := r.URL.Query()
	var container string
	if s.info.Subresource != "portforward" {
		var err error
		if container, err = logContainer(pod, q.Get("container")); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if pod.Spec.NodeName == "" {
		s.fail(w, r, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	if h.kubelet == nil {
		s.fail(w, r, errNoKubeletClient(fmt.Sprintf("pod %s runs on node %s", pod.Name, pod.Spec.NodeName)))
		return
	}
	base, err := h.kubeletLocation(r.Context(), pod.Spec.NodeName)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	target := *base
	params := url.Values{}
	switch s.info.Subresource {
	case "exec":
		target.Path = "/exec/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name) + "/" + url.PathEscape(container)
		addStreamParams(params, q)
		params["command"] = q["command"]
	case "attach":
		target.Path = "/attach/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name) + "/" + url.PathEscape(container)
		addStreamParams(params, q)
	case "portforward":
		target.Path = "/portForward/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name)
		// WebSocket port forwarding names its ports in the query.
		params["port"] = q["ports"]
	}
	target.RawQuery = params.Encode()
	onError := func(err error) { s.fail(w, r, err) }
	if s.info.Subresource != "portforward" && wantsV5(r) {
		h.kubelet.translateToSPDY(w, r, &target, translatedStreams{
			stdin:  params.Get(corev1.ExecStdinParam) == "1",
			stdout: params.Get(corev1.ExecStdoutParam) == "1",
			stderr: params.Get(corev1.ExecStderrParam) == "1",
			tty:    params.Get(corev1.ExecTTYParam) == "1",
		}, onError)
		return
	}
	if s.info.Subresource == "portforward" && wantsTunnel(r) {
		h.kubelet.tunnelToSPDY(w, r, &target, onError)
		return
	}
	h.kubelet.proxyToKubelet(w, r, &target, onError)
}

// addStreamParams turns the PodExecOptions/PodAttachOptions stream flags
// (stdin=true, ...) into the kubelet's (input=1, ...).
func addStreamParams(out, in url.Values) {
	for _, p := range []struct{ option, kubelet string }{
		{"stdin", corev1.ExecStdinParam},
		{"stdout", corev1.ExecStdoutParam},
		{"stderr", corev1.ExecStderrParam},
		{"tty", corev1.ExecTTYParam},
	} {
		if v, err := strconv.ParseBool(in.Get(p.option)); err == nil && v {
			out.Set(p.kubelet, "1")
		}
	}
}
