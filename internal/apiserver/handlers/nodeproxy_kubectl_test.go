package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/agent/kubeletapi/kubeletapitest"
	"github.com/nauta/nauta/internal/apiserver/handlers"
)

// withLegacyDiscovery answers the discovery requests kubectl makes before
// logs and exec (the core group only), in front of the handlers.
func withLegacyDiscovery(next http.Handler) http.Handler {
	resources := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{
			{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", ShortNames: []string{"po"},
				Verbs: metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}},
			{Name: "pods/log", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"get"}},
			{Name: "pods/exec", Namespaced: true, Kind: "PodExecOptions", Verbs: metav1.Verbs{"create", "get"}},
			{Name: "pods/attach", Namespaced: true, Kind: "PodAttachOptions", Verbs: metav1.Verbs{"create", "get"}},
			{Name: "pods/portforward", Namespaced: true, Kind: "PodPortForwardOptions", Verbs: metav1.Verbs{"create", "get"}},
			{Name: "nodes", SingularName: "node", Kind: "Node", ShortNames: []string{"no"},
				Verbs: metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}},
			{Name: "nodes/proxy", Kind: "NodeProxyOptions", Verbs: metav1.Verbs{"create", "delete", "get", "patch", "update"}},
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"},
				Verbs: metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}},
		},
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api":
			writeJSON(w, &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
				ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}})
		case "/apis":
			writeJSON(w, &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}})
		case "/api/v1":
			writeJSON(w, resources)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// TestKubectlLogsExecPortForward runs the real kubectl against these
// handlers and a real kubelet API on containerd.
func TestKubectlLogsExecPortForward(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not on PATH: %v (CI=%q)", err, os.Getenv("CI"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env := kubeletapitest.Start(ctx, t, kubeletapitest.Network{Bridge: "nta-ka2", Subnet: "10.244.253.0/24"})
	env.WaitForLog(ctx, t)
	ts := newKubeletTestServer(t, &handlers.KubeletClientConfig{TLS: env.CA.TLSConfig(t)})
	front := httptest.NewServer(withLegacyDiscovery(ts.srv.Config.Handler))
	t.Cleanup(front.Close)
	mustCreateNamespace(t, ts, "default")
	createNode(t, ts, "node-1", "127.0.0.1", int32(env.Port))
	createScheduledPod(t, ts, "web", "web", "node-1")

	home := t.TempDir()
	run := func(t *testing.T, args ...string) (string, string, error) {
		t.Helper()
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		defer ccancel()
		cmd := exec.CommandContext(cctx, kubectl, append([]string{"--server", front.URL, "--namespace", "default"}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + home + "/none"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	t.Run("logs", func(t *testing.T) {
		out, errOut, err := run(t, "logs", "web", "--tail=1")
		if err != nil || out != "tick\n" {
			t.Fatalf("kubectl logs --tail=1: %q %q %v", out, errOut, err)
		}
		out, errOut, err = run(t, "logs", "web", "--previous")
		if err == nil || !strings.Contains(errOut, `previous terminated container "web" in pod "web" not found`) {
			t.Fatalf("kubectl logs --previous: %q %q %v", out, errOut, err)
		}
	})
	t.Run("exec", func(t *testing.T) {
		out, errOut, err := run(t, "exec", "web", "--", "sh", "-c", "echo hi; echo err >&2")
		if err != nil || out != "hi\n" || errOut != "err\n" {
			t.Fatalf("kubectl exec: %q %q %v", out, errOut, err)
		}
		_, errOut, err = run(t, "exec", "web", "--", "sh", "-c", "exit 7")
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 7 {
			t.Fatalf("kubectl exec exit 7: %v %q", err, errOut)
		}
		if err := runWithStdin(ctx, kubectl, front.URL, home, "piped\n", &out, "exec", "-i", "web", "--", "cat"); err != nil || out != "piped\n" {
			t.Fatalf("kubectl exec -i cat: %q %v", out, err)
		}
	})
	t.Run("port-forward", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, kubectl, "--server", front.URL, "--namespace", "default", "port-forward", "--address", "127.0.0.1", "pod/web", ":8080")
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + home + "/none"}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}()
		// "Forwarding from 127.0.0.1:PORT -> 8080"
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("kubectl port-forward: %v %s", err, stderr.String())
		}
		local, _, ok := strings.Cut(strings.TrimPrefix(line, "Forwarding from "), " ->")
		if !ok {
			t.Fatalf("kubectl port-forward said %q", line)
		}
		resp, err := http.Get("http://" + local + "/index.html")
		if err != nil {
			t.Fatalf("GET through kubectl port-forward: %v (%s)", err, stderr.String())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "served-by-httpd\n" {
			t.Fatalf("through kubectl port-forward: %q", body)
		}
	})
	t.Run("node proxy", func(t *testing.T) {
		out, errOut, err := run(t, "get", "--raw", "/api/v1/nodes/node-1/proxy/healthz")
		if err != nil || out != "ok" {
			t.Fatalf("kubectl get --raw nodes proxy: %q %q %v", out, errOut, err)
		}
	})
}

// runWithStdin runs kubectl with stdin from in and stdout into out.
func runWithStdin(ctx context.Context, kubectl, server, home, in string, out *string, args ...string) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, kubectl, append([]string{"--server", server, "--namespace", "default"}, args...)...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + home + "/none"}
	cmd.Stdin = strings.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	*out = stdout.String()
	if err != nil {
		return fmt.Errorf("%w: %s", err, stderr.String())
	}
	return nil
}
