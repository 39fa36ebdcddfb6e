package handlers

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// proxyNode serves nodes/NAME/proxy/PATH (any method): the request goes
// to PATH on the node's kubelet. NAME may carry a port ("NAME:10255") or
// a scheme and a port ("https:NAME:10250"), as upstream allows.
func (h *Handler) proxyNode(w http.ResponseWriter, r *http.Request, s *scope) {
	if h.kubelet == nil {
		s.fail(w, r, errNoKubeletClient("node proxy"))
		return
	}
	name, port, err := splitNodeProxyName(s.name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base, err := h.kubeletLocation(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if port != "" {
		base.Host = net.JoinHostPort(base.Hostname(), port)
	}
	// The path after .../nodes/NAME/proxy, kept as sent (trailing slash
	// included).
	marker := "/" + s.name + "/proxy"
	i := strings.Index(r.URL.EscapedPath(), marker)
	if i < 0 {
		s.fail(w, r, notFound())
		return
	}
	rest := r.URL.EscapedPath()[i+len(marker):]
	if rest == "" {
		rest = "/"
	}
	target := *base
	if p, err := url.PathUnescape(rest); err == nil {
		target.Path = p
		target.RawPath = rest
	}
	target.RawQuery = r.URL.RawQuery
	h.kubelet.proxyToKubelet(w, r, &target, func(err error) { s.fail(w, r, err) })
}

// splitNodeProxyName reads "NAME", "NAME:PORT" or "SCHEME:NAME:PORT".
func splitNodeProxyName(id string) (name, port string, err error) {
	parts := strings.Split(id, ":")
	switch len(parts) {
	case 1:
		return parts[0], "", nil
	case 2:
		name, port = parts[0], parts[1]
	case 3:
		if parts[0] != "https" && parts[0] != "" {
			return "", "", apierrors.NewBadRequest(fmt.Sprintf("unsupported scheme %q for node proxy: only https", parts[0]))
		}
		name, port = parts[1], parts[2]
	default:
		return "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid node name %q", id))
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid port %q in node name %q", port, id))
		}
	}
	return name, port, nil
}
