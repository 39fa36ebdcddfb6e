package kubeletapi_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"

	"github.com/nauta/nauta/internal/agent/kubeletapi"
	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestKubeletAPIEndToEnd runs the kubelet API against a real containerd
// and drives it with client-go's SPDY executor and port forwarder.
func TestKubeletAPIEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env := kubeletapitest.Start(ctx, t, kubeletapitest.Network{Bridge: "nta-ka0", Subnet: "10.244.251.0/24"})
	c := env.CA.HTTPClient(t)

	t.Run("client certificate required", func(t *testing.T) {
		anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		if code, _ := get(t, anon, env.URL+"/healthz"); code != http.StatusUnauthorized {
			t.Fatalf("no client cert: %d, want 401", code)
		}
		other := kubeletapitest.NewCA(t, "intruder").HTTPClient(t)
		if _, err := other.Get(env.URL + "/healthz"); err == nil {
			t.Fatal("a certificate from another CA was accepted")
		}
		if code, body := get(t, c, env.URL+"/healthz"); code != 200 || body != "ok" {
			t.Fatalf("healthz: %d %q", code, body)
		}
		sameCA := env.CA.Issue(t, "jane", "developers").HTTPClient(t)
		if code, body := get(t, sameCA, env.URL+"/healthz"); code != http.StatusForbidden || !strings.Contains(body, "Forbidden (user=jane, verb=get") {
			t.Fatalf("same CA, not authorized: %d %q, want 403", code, body)
		}
		apiServer := env.CA.Issue(t, "system:kube-apiserver-kubelet-client").HTTPClient(t)
		if code, body := get(t, apiServer, env.URL+"/healthz"); code != 200 || body != "ok" {
			t.Fatalf("API server identity: %d %q", code, body)
		}
	})

	t.Run("containerLogs", func(t *testing.T) {
		var body string
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(body, "tick") {
			if time.Now().After(deadline) {
				t.Fatalf("log never showed the container output: %q", body)
			}
			time.Sleep(200 * time.Millisecond)
			_, body = get(t, c, env.URL+"/containerLogs/default/web/web")
		}
		if !strings.HasPrefix(body, "hello from nauta\noops\n") {
			t.Fatalf("log = %q", body)
		}
		if code, body := get(t, c, env.URL+"/containerLogs/default/web/web?tailLines=1&timestamps=true"); code != 200 ||
			!strings.HasSuffix(body, " tick\n") || strings.Count(body, "\n") != 1 {
			t.Fatalf("tailLines=1&timestamps: %d %q", code, body)
		}
		if _, body := get(t, c, env.URL+"/containerLogs/default/web/web?limitBytes=5"); body != "hello" {
			t.Fatalf("limitBytes=5: %q", body)
		}
		if code, body := get(t, c, env.URL+"/containerLogs/default/web/web?previous=true"); code != 400 ||
			!strings.Contains(body, `previous terminated container \"web\" in pod \"web\" not found`) {
			t.Fatalf("previous: %d %s", code, body)
		}
		if code, _ := get(t, c, env.URL+"/containerLogs/default/web/nope"); code != 404 {
			t.Fatalf("unknown container: %d", code)
		}
		// follow streams new lines as they come.
		fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
		defer fcancel()
		req, _ := http.NewRequestWithContext(fctx, "GET", env.URL+"/containerLogs/default/web/web?follow=true&tailLines=0", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, 64)
		n, err := io.ReadAtLeast(resp.Body, buf, len("tick\n"))
		if err != nil || string(buf[:n]) != "tick\n" {
			t.Fatalf("follow read %q, %v", buf[:n], err)
		}
	})

	t.Run("exec over SPDY", func(t *testing.T) {
		q := url.Values{"command": {"sh", "-c", "echo hi; echo err >&2; exit 3"}, "output": {"1"}, "error": {"1"}}
		u, _ := url.Parse(env.URL + "/exec/default/web/web?" + q.Encode())
		exe, err := remotecommand.NewSPDYExecutor(env.RestConfig(), "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		err = exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
		if err == nil || !strings.Contains(err.Error(), "exit code 3") {
			t.Fatalf("exec error = %v, want exit code 3", err)
		}
		if stdout.String() != "hi\n" || stderr.String() != "err\n" {
			t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
		}
		// stdin reaches the command.
		u, _ = url.Parse(env.URL + "/exec/default/web/web?command=cat&input=1&output=1")
		exe, err = remotecommand.NewSPDYExecutor(env.RestConfig(), "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		stdout.Reset()
		if err := exe.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("piped\n"), Stdout: &stdout}); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "piped\n" {
			t.Fatalf("cat stdout %q", stdout.String())
		}
	})

	t.Run("attach over SPDY", func(t *testing.T) {
		u, _ := url.Parse(env.URL + "/attach/default/web/web?output=1")
		exe, err := remotecommand.NewSPDYExecutor(env.RestConfig(), "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		actx, acancel := context.WithTimeout(ctx, 3*time.Second)
		defer acancel()
		var stdout syncBuffer
		done := make(chan error, 1)
		go func() { done <- exe.StreamWithContext(actx, remotecommand.StreamOptions{Stdout: &stdout}) }()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(stdout.String(), "tick\n") {
			if time.Now().After(deadline) {
				t.Fatalf("attach saw no output: %q", stdout.String())
			}
			select {
			case err := <-done:
				t.Fatalf("attach ended: %v (output %q)", err, stdout.String())
			default:
			}
			time.Sleep(50 * time.Millisecond)
		}
		acancel()
		<-done
	})

	t.Run("stream errors", func(t *testing.T) {
		for path, want := range map[string]int{
			"/exec/default/web/nope?command=ls&output=1": 404,
			"/exec/default/nope/web?command=ls&output=1": 404,
			"/exec/default/web/web?output=1":             400,
			"/exec/default/web/web?command=ls":           400,
			"/attach/default/web/nope?output=1":          404,
			"/portForward/default/nope":                  404,
		} {
			resp, err := c.Post(env.URL+path, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want || !strings.Contains(string(body), `"kind":"Status"`) {
				t.Errorf("POST %s: %d %s, want %d", path, resp.StatusCode, body, want)
			}
		}
	})

	t.Run("portForward over SPDY", func(t *testing.T) {
		rt, upgrader, err := spdy.RoundTripperFor(env.RestConfig())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(env.URL + "/portForward/default/web")
		dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", u)
		stop, ready := make(chan struct{}), make(chan struct{})
		defer close(stop)
		var out, errOut bytes.Buffer
		fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:8080"}, stop, ready, &out, &errOut)
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
		code, body := get(t, http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/index.html", ports[0].Local))
		if code != 200 || body != "served-by-httpd\n" {
			t.Fatalf("through the forward: %d %q (%s)", code, body, errOut.String())
		}
	})

	t.Run("portForward over WebSocket", func(t *testing.T) {
		d := websocket.Dialer{TLSClientConfig: env.CA.TLSConfig(t), Subprotocols: []string{"v4.channel.k8s.io"}, HandshakeTimeout: 10 * time.Second}
		wsURL := "wss" + strings.TrimPrefix(env.URL, "https") + "/portForward/default/web?port=8080"
		conn, resp, err := d.Dial(wsURL, nil)
		if err != nil {
			t.Fatalf("dial: %v (%v)", err, resp)
		}
		defer conn.Close()
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		// A data and an error channel, each opened with the port.
		for i := range 2 {
			_, msg, err := conn.ReadMessage()
			if err != nil || len(msg) != 3 || msg[0] != byte(i) || int(msg[1])|int(msg[2])<<8 != 8080 {
				t.Fatalf("opening frame %d: %q, %v", i, msg, err)
			}
		}
		if err := conn.WriteMessage(websocket.BinaryMessage, append([]byte{0}, "GET /index.html HTTP/1.0\r\n\r\n"...)); err != nil {
			t.Fatal(err)
		}
		var answer strings.Builder
		for !strings.Contains(answer.String(), "served-by-httpd") {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				t.Fatalf("read: %v; so far %q", err, answer.String())
			}
			if len(msg) > 1 && msg[0] == 1 {
				t.Fatalf("error channel: %q", msg[1:])
			}
			if len(msg) > 0 && msg[0] == 0 {
				answer.Write(msg[1:])
			}
		}
		// Without a port there is nothing to forward.
		if _, resp, err := d.Dial("wss"+strings.TrimPrefix(env.URL, "https")+"/portForward/default/web", nil); err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("no port: %v, %v; want 400", err, resp)
		}
	})

	t.Run("pods and stats", func(t *testing.T) {
		code, body := get(t, c, env.URL+"/pods")
		var list corev1.PodList
		if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 || list.Items[0].Name != "web" {
			t.Fatalf("/pods: %d %s", code, body)
		}
		code, body = get(t, c, env.URL+"/stats/summary")
		var sum kubeletapi.Summary
		if code != 200 {
			t.Fatalf("/stats/summary: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Node.NodeName != "node-1" || sum.Node.CPU == nil || sum.Node.Memory == nil || sum.Node.Memory.WorkingSetBytes == nil {
			t.Fatalf("node stats: %s", body)
		}
		if len(sum.Pods) != 1 || sum.Pods[0].PodRef.UID != "uid-web" || len(sum.Pods[0].Containers) != 1 {
			t.Fatalf("pod stats: %s", body)
		}
		ctr := sum.Pods[0].Containers[0]
		if ctr.Name != "web" || ctr.CPU == nil || ctr.CPU.UsageCoreNanoSeconds == nil || ctr.Memory == nil || ctr.Memory.WorkingSetBytes == nil {
			t.Fatalf("container stats: %s", body)
		}
	})
}
