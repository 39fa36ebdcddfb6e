package handlers

import (
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/storage"
)

// connectPod serves pods/NAME/exec, attach and portforward (GET or POST,
// before any protocol upgrade). The streams come from the node running
// the pod and no node agent serves them yet, so this answers only what
// needs no node, with upstream's messages: 404 for a missing pod, 400 for
// an unknown or ambiguous container and for a pod without a node. A
// scheduled pod is 503 until a node agent exists.
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
	if s.info.Subresource != "portforward" {
		if _, err := logContainer(pod, r.URL.Query().Get("container")); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if pod.Spec.NodeName == "" {
		s.fail(w, r, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	s.fail(w, r, apierrors.NewServiceUnavailable(fmt.Sprintf(
		"pod %s runs on node %s, and no node agent serves %s yet", pod.Name, pod.Spec.NodeName, s.info.Subresource)))
}
