package handlers_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
	"github.com/nauta/nauta/internal/apiserver/handlers"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
)

// newKubeletTestServer is the test server with nodes served and a kubelet
// client configured.
func newKubeletTestServer(t *testing.T, kubelet *handlers.KubeletClientConfig) *testServer {
	t.Helper()
	etcd := storagetest.StartEtcd(t)
	store := storage.NewStore(etcd)
	resources := append(testResources(), &registry.Resource{
		GroupVersion: schema.GroupVersion{Version: "v1"}, Resource: "nodes", Kind: "Node", Singular: "node",
		Status: true, StoragePrefix: "/registry/minions",
		New: func() runtime.Object { return &corev1.Node{} }, NewList: func() runtime.Object { return &corev1.NodeList{} },
		Strategy: registry.BaseStrategy{HasStatus: true, ClusterScoped: true},
	})
	h, err := handlers.New(handlers.Config{
		Resources:  resources,
		StorageFor: func(*registry.Resource) storage.Interface { return store },
		Kubelet:    kubelet,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, store: store, etcd: etcd}
	ts.srv = httptest.NewServer(withTestRequestInfo(h))
	t.Cleanup(ts.srv.Close)
	ts.config = &rest.Config{Host: ts.srv.URL, QPS: 1000, Burst: 1000}
	ts.client = kubernetes.NewForConfigOrDie(ts.config)
	return ts
}

// createNode creates a node whose kubelet listens on address:port.
func createNode(t *testing.T, ts *testServer, name, address string, port int32) {
	t.Helper()
	ctx := ctxT(t)
	node, err := ts.client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if address != "" {
		node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "unresolvable.invalid"}, {Type: corev1.NodeInternalIP, Address: address}}
	}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = port
	if _, err := ts.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func createScheduledPod(t *testing.T, ts *testServer, name, container, node string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: container, Image: "busybox"}}},
	}
	created, err := ts.client.CoreV1().Pods("default").Create(ctxT(t), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// kubectl port-forward insists on a running pod.
	created.Status.Phase = corev1.PodRunning
	if _, err := ts.client.CoreV1().Pods("default").UpdateStatus(ctxT(t), created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int32 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return int32(port)
}

// TestKubeletProxyErrors checks the answers that need no running kubelet.
func TestKubeletProxyErrors(t *testing.T) {
	ts := newKubeletTestServer(t, &handlers.KubeletClientConfig{TLS: &tls.Config{}, DialTimeout: 2 * time.Second})
	mustCreateNamespace(t, ts, "default")
	createNode(t, ts, "down", "127.0.0.1", closedPort(t))
	createNode(t, ts, "no-address", "", 0)
	createScheduledPod(t, ts, "on-down", "c", "down")
	createScheduledPod(t, ts, "on-missing", "c", "missing")
	createScheduledPod(t, ts, "on-no-address", "c", "no-address")
	tests := []struct {
		name, method, path string
		wantCode           int
		wantBody           string
	}{
		{"logs node unreachable", "GET", "/api/v1/namespaces/default/pods/on-down/log", 503, "error dialing backend"},
		{"exec node unreachable", "POST", "/api/v1/namespaces/default/pods/on-down/exec?command=ls&stdout=true", 503, "error dialing backend"},
		{"logs node missing", "GET", "/api/v1/namespaces/default/pods/on-missing/log", 404, `nodes \"missing\" not found`},
		{"portforward node missing", "POST", "/api/v1/namespaces/default/pods/on-missing/portforward?ports=80", 404, `nodes \"missing\" not found`},
		{"exec node without address", "POST", "/api/v1/namespaces/default/pods/on-no-address/exec?command=ls", 503, "no preferred addresses found"},
		{"exec unknown container", "POST", "/api/v1/namespaces/default/pods/on-down/exec?command=ls&container=x", 400, "container x is not valid for pod on-down"},
		{"node proxy unreachable", "GET", "/api/v1/nodes/down/proxy/healthz", 503, "error dialing backend"},
		{"node proxy missing node", "GET", "/api/v1/nodes/missing/proxy/healthz", 404, `nodes \"missing\" not found`},
		{"node proxy bad port", "GET", "/api/v1/nodes/down:99999/proxy/healthz", 400, "invalid port"},
		{"node proxy bad scheme", "GET", "/api/v1/nodes/http:down:10250/proxy/healthz", 400, "unsupported scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do(tt.method, tt.path, "", nil)
			if resp.code != tt.wantCode || !strings.Contains(string(resp.body), tt.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", resp.code, resp.body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// TestKubeletProxyEndToEnd drives logs, exec, port forwarding and the
// node proxy through these handlers to a real kubelet API on a real
// containerd, with client-go.
func TestKubeletProxyEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env := kubeletapitest.Start(ctx, t, kubeletapitest.Network{Bridge: "nta-ka1", Subnet: "10.244.252.0/24"})
	env.WaitForLog(ctx, t)

	ts := newKubeletTestServer(t, &handlers.KubeletClientConfig{TLS: env.CA.TLSConfig(t)})
	mustCreateNamespace(t, ts, "default")
	createNode(t, ts, "node-1", "127.0.0.1", int32(env.Port))
	createScheduledPod(t, ts, "web", "web", "node-1")
	pods := ts.client.CoreV1().Pods("default")

	t.Run("logs", func(t *testing.T) {
		body, err := pods.GetLogs("web", &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil || !strings.HasPrefix(string(body), "hello from nauta\noops\ntick\n") {
			t.Fatalf("logs: %q %v", body, err)
		}
		tail := int64(1)
		body, err = pods.GetLogs("web", &corev1.PodLogOptions{TailLines: &tail, Timestamps: true}).DoRaw(ctx)
		if err != nil || !strings.HasSuffix(string(body), "Z tick\n") || strings.Count(string(body), "\n") != 1 {
			t.Fatalf("logs --tail=1 --timestamps: %q %v", body, err)
		}
		// Stream, as kubectl logs uses, decodes the Status of an error.
		_, err = pods.GetLogs("web", &corev1.PodLogOptions{Previous: true}).Stream(ctx)
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `previous terminated container "web" in pod "web" not found`) {
			t.Fatalf("logs --previous: %v", err)
		}
		zero := int64(0)
		stream, err := pods.GetLogs("web", &corev1.PodLogOptions{Follow: true, TailLines: &zero}).Stream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer stream.Close()
		buf := make([]byte, 16)
		n, err := io.ReadAtLeast(stream, buf, len("tick\n"))
		if err != nil || string(buf[:n]) != "tick\n" {
			t.Fatalf("logs -f: %q %v", buf[:n], err)
		}
	})

	t.Run("exec", func(t *testing.T) {
		u := ts.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: []string{"sh", "-c", "read x; echo got $x; echo err >&2"}, Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
		exe, err := remotecommand.NewSPDYExecutor(ts.config, "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if err := exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("line\n"), Stdout: &stdout, Stderr: &stderr}); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "got line\n" || stderr.String() != "err\n" {
			t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
		}
	})

	// kubectl exec speaks WebSocket v5.channel.k8s.io first (falling back
	// to SPDY on an upgrade failure); the handlers translate it to SPDY.
	t.Run("exec as kubectl does", func(t *testing.T) {
		u := ts.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: []string{"echo", "hi"}, Stdout: true}, scheme.ParameterCodec).URL()
		spdyExec, err := remotecommand.NewSPDYExecutor(ts.config, "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		wsExec, err := remotecommand.NewWebSocketExecutor(ts.config, "GET", u.String())
		if err != nil {
			t.Fatal(err)
		}
		exe, err := remotecommand.NewFallbackExecutor(wsExec, spdyExec, func(err error) bool {
			t.Errorf("WebSocket v5 exec failed: %v", err)
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		if err := exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout}); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "hi\n" {
			t.Fatalf("stdout %q", stdout.String())
		}
	})

	// v5 with stdin, its close signal, and an exit code.
	t.Run("exec over WebSocket v5", func(t *testing.T) {
		u := ts.client.CoreV1().RESTClient().Get().Namespace("default").Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: []string{"sh", "-c", "cat; echo err >&2; exit 4"}, Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
		exe, err := remotecommand.NewWebSocketExecutor(ts.config, "GET", u.String())
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		err = exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("in\n"), Stdout: &stdout, Stderr: &stderr})
		var exitErr utilexec.CodeExitError
		if !errors.As(err, &exitErr) || exitErr.Code != 4 {
			t.Fatalf("err = %v (%T), want exit code 4", err, err)
		}
		if stdout.String() != "in\n" || stderr.String() != "err\n" {
			t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
		}
	})

	// A terminal, sized through the resize channel, as kubectl exec -it.
	t.Run("exec with a tty over WebSocket v5", func(t *testing.T) {
		u := ts.client.CoreV1().RESTClient().Get().Namespace("default").Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: []string{"sh", "-c", "sleep 0.5; stty size"}, Stdin: true, Stdout: true, TTY: true}, scheme.ParameterCodec).URL()
		exe, err := remotecommand.NewWebSocketExecutor(ts.config, "GET", u.String())
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		sizes := fixedSize{size: &remotecommand.TerminalSize{Width: 123, Height: 45}, sent: make(chan struct{})}
		stdinR, stdinW := io.Pipe()
		defer stdinW.Close()
		defer close(sizes.sent)
		if err := exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdinR, Stdout: &stdout, Tty: true, TerminalSizeQueue: &sizes}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(stdout.String()); got != "45 123" {
			t.Fatalf("stty size = %q, want \"45 123\"", got)
		}
	})

	// v4.channel.k8s.io WebSocket clients (the Python client, dashboards)
	// reach the runtime's streaming server, which speaks that protocol.
	t.Run("exec over WebSocket v4", func(t *testing.T) {
		u := ts.client.CoreV1().RESTClient().Get().Namespace("default").Resource("pods").Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{Command: []string{"sh", "-c", "echo hi; echo err >&2"}, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
		exe, err := remotecommand.NewWebSocketExecutorForProtocols(ts.config, "GET", u.String(), "v4.channel.k8s.io")
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if err := exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "hi\n" || stderr.String() != "err\n" {
			t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
		}
	})

	// As kubectl port-forward: SPDY tunneled in WebSocket (plain SPDY
	// would be the fallback).
	t.Run("portforward as kubectl does", func(t *testing.T) {
		rt, upgrader, err := spdy.RoundTripperFor(ts.config)
		if err != nil {
			t.Fatal(err)
		}
		u := ts.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("portforward").URL()
		tunneling, err := portforward.NewSPDYOverWebsocketDialerForStreaming(u, ts.config)
		if err != nil {
			t.Fatal(err)
		}
		dialer := portforward.NewFallbackDialerForStreaming(tunneling, spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: rt}, "POST", u), func(err error) bool {
			t.Errorf("SPDY over WebSocket failed: %v", err)
			return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
		})
		stop, ready := make(chan struct{}), make(chan struct{})
		defer close(stop)
		var out, errOut bytes.Buffer
		fw, err := portforward.NewOnAddressesForStreaming(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stop, ready, &out, &errOut)
		if err != nil {
			t.Fatal(err)
		}
		fwErr := make(chan error, 1)
		go func() { fwErr <- fw.ForwardPorts() }()
		select {
		case <-ready:
		case err := <-fwErr:
			t.Fatalf("ForwardPorts: %v", err)
		case <-ctx.Done():
			t.Fatal("port forward not ready")
		}
		ports, err := fw.GetPorts()
		if err != nil || len(ports) != 1 {
			t.Fatalf("ports %v %v", ports, err)
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", ports[0].Local))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "served-by-httpd\n" {
			t.Fatalf("through the forward: %q (%s)", body, errOut.String())
		}
	})

	t.Run("node proxy", func(t *testing.T) {
		for path, want := range map[string]string{
			"/api/v1/nodes/node-1/proxy/healthz":                                    "ok",
			fmt.Sprintf("/api/v1/nodes/node-1:%d/proxy/healthz", env.Port):          "ok",
			"/api/v1/nodes/node-1/proxy/pods":                                       `"name":"web"`,
			"/api/v1/nodes/node-1/proxy/containerLogs/default/web/web?limitBytes=5": "hello",
		} {
			resp := ts.do("GET", path, "", nil)
			if resp.code != 200 || !strings.Contains(string(resp.body), want) {
				t.Errorf("GET %s: %d %s, want %q", path, resp.code, resp.body, want)
			}
		}
	})
}

// fixedSize reports one terminal size, then blocks until closed.
type fixedSize struct {
	size *remotecommand.TerminalSize
	sent chan struct{}
	once sync.Once
}

func (f *fixedSize) Next() *remotecommand.TerminalSize {
	first := false
	f.once.Do(func() { first = true })
	if first {
		return f.size
	}
	<-f.sent
	return nil
}
