package handlers

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/storage"
)

// DefaultKubeletPort is where kubelets serve their API unless the node
// says otherwise in status.daemonEndpoints.
const DefaultKubeletPort = 10250

// KubeletClientConfig is how the API server reaches kubelets for logs,
// exec, attach, port forwarding and node proxying.
type KubeletClientConfig struct {
	// TLS carries the API server's kubelet client certificate, and the CA
	// that signs kubelet serving certificates in RootCAs; with no RootCAs
	// the kubelet's certificate is not verified (upstream's default when
	// --kubelet-certificate-authority is not set).
	TLS *tls.Config
	// DialTimeout defaults to 10s.
	DialTimeout time.Duration
}

// kubeletClient is the transport towards kubelets.
type kubeletClient struct {
	transport *http.Transport
}

func newKubeletClient(cfg *KubeletClientConfig) *kubeletClient {
	if cfg == nil {
		return nil
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tlsConfig = cfg.TLS.Clone()
	}
	if tlsConfig.RootCAs == nil {
		tlsConfig.InsecureSkipVerify = true
	}
	// Upgraded streams (SPDY, WebSocket) need HTTP/1.1.
	tlsConfig.NextProtos = []string{"http/1.1"}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &kubeletClient{transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: timeout,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}}
}

var nodesGR = schema.GroupResource{Resource: "nodes"}

// errNoKubeletClient answers node requests when the server has no kubelet
// client configured.
func errNoKubeletClient(what string) error {
	return apierrors.NewServiceUnavailable(fmt.Sprintf("%s: the API server has no kubelet client configured", what))
}

// kubeletLocation is the kubelet base URL (https://ADDRESS:PORT) of node
// name, read from the node's status.
func (h *Handler) kubeletLocation(ctx context.Context, name string) (*url.URL, error) {
	ep := h.endpoints[nodesGR.WithVersion("v1")]
	if ep == nil {
		return nil, apierrors.NewServiceUnavailable("nodes are not served")
	}
	obj := ep.newStored()
	if err := ep.store.Get(ctx, ep.key("", name), storage.GetOptions{}, obj); err != nil {
		return nil, interpretNodeError(err, name)
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return nil, fmt.Errorf("nodes: stored object is %T", obj)
	}
	return nodeKubeletURL(node)
}

func interpretNodeError(err error, name string) error {
	if errors.Is(err, storage.ErrKeyNotFound) {
		return apierrors.NewNotFound(nodesGR, name)
	}
	return err
}

// nodeKubeletURL picks the node's address in upstream's preference order
// for the addresses a node agent reports, and its kubelet port.
func nodeKubeletURL(node *corev1.Node) (*url.URL, error) {
	var host string
	for _, typ := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeInternalDNS, corev1.NodeHostName, corev1.NodeExternalDNS} {
		for _, a := range node.Status.Addresses {
			if a.Type == typ && a.Address != "" {
				host = a.Address
				break
			}
		}
		if host != "" {
			break
		}
	}
	if host == "" {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no preferred addresses found; known addresses: %v", node.Status.Addresses))
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port <= 0 {
		port = DefaultKubeletPort
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// streamFromKubelet GETs u from the kubelet and copies the answer to w as
// it arrives (logs -f). A kubelet error becomes a Status with the
// kubelet's message.
func (kc *kubeletClient) streamFromKubelet(w http.ResponseWriter, r *http.Request, u *url.URL, contentType string) error {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := kc.transport.RoundTrip(req)
	if err != nil {
		return errDialing(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return kubeletError(resp)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32*1024)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			_ = rc.Flush()
		}
		if err != nil {
			return nil // the status is sent; a cut stream just ends
		}
	}
}

func errDialing(err error) error {
	return apierrors.NewServiceUnavailable(fmt.Sprintf("error dialing backend: %v", err))
}

// kubeletError turns a kubelet's error answer into a StatusError with the
// same code: its Status message when it sent one, its text otherwise.
func kubeletError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	msg := strings.TrimSpace(string(body))
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" && st.Message != "" {
		msg = st.Message
	}
	code := resp.StatusCode
	reason := metav1.StatusReasonUnknown
	switch code {
	case http.StatusBadRequest:
		reason = metav1.StatusReasonBadRequest
	case http.StatusUnauthorized:
		reason = metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		reason = metav1.StatusReasonForbidden
	case http.StatusNotFound:
		reason = metav1.StatusReasonNotFound
	case http.StatusServiceUnavailable:
		reason = metav1.StatusReasonServiceUnavailable
	case http.StatusInternalServerError:
		reason = metav1.StatusReasonInternalError
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg,
	}}
}

// proxyToKubelet forwards r to target on the kubelet, upgrade included:
// the SPDY or WebSocket handshake and then the raw streams pass through
// unchanged, and so does a kubelet error answer.
func (kc *kubeletClient) proxyToKubelet(w http.ResponseWriter, r *http.Request, target *url.URL, onError func(error)) {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = target.Host
			// The caller's credentials are for this server, not the
			// kubelet; the kubelet trusts our client certificate.
			pr.Out.Header.Del("Authorization")
			pr.Out.Header.Del("Impersonate-User")
			pr.Out.Header.Del("Impersonate-Group")
		},
		Transport:     kc.transport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			onError(errDialing(err))
		},
	}
	proxy.ServeHTTP(w, r)
}
