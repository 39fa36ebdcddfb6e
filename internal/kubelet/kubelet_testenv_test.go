package kubelet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/nauta/nauta/internal/agent/containerd"
	"github.com/nauta/nauta/internal/agent/images/imagestest"
)

// authRegistry puts HTTP basic authentication in front of a test registry
// and records which requests carried good credentials.
type authRegistry struct {
	server *httptest.Server
	mu     sync.Mutex
	authed int
	denied int
}

func newAuthRegistry(t *testing.T, backend *imagestest.Registry) *authRegistry {
	t.Helper()
	target, err := url.Parse(backend.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := &authRegistry{}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		user, pass, ok := req.BasicAuth()
		r.mu.Lock()
		if !ok || user != registryUser || pass != registryPassword {
			r.denied++
			r.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="nauta-test"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
			return
		}
		r.authed++
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *authRegistry) counts() (authed, denied int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.authed, r.denied
}

// execIn runs cmd in the pod's container through CRI and returns stdout.
func (e *testEnv) execIn(t *testing.T, p *v1.Pod, container string, cmd ...string) string {
	t.Helper()
	id := ""
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == container {
			id = strings.TrimPrefix(cs.ContainerID, "containerd://")
		}
	}
	if id == "" {
		t.Fatalf("pod %s has no container %s", p.Name, container)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := e.cri.Runtime.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: cmd, Timeout: 15})
	if err != nil {
		t.Fatalf("exec %v: %v", cmd, err)
	}
	if resp.ExitCode != 0 {
		t.Fatalf("exec %v: exit %d: %s %s", cmd, resp.ExitCode, resp.Stdout, resp.Stderr)
	}
	return string(resp.Stdout)
}

func (e *testEnv) deletePodAndWait(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if err := e.client.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := e.client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s still there: %v", name, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func mainRunning(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodRunning && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Running != nil
}

// shimIDs lists the ids of the shims serving the containerd at address.
func shimIDs(t *testing.T, address string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for id := range containerd.Shims(address) {
		ids[id] = true
	}
	return ids
}

// killSandboxProcess kills the pod's pause process, as if it crashed.
func (e *testEnv) killSandboxProcess(t *testing.T, p *v1.Pod) {
	t.Helper()
	ctx := context.Background()
	sbs, err := e.cri.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
		Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(p.UID)}}})
	if err != nil || len(sbs.Items) != 1 {
		t.Fatalf("sandboxes: %v %v", err, sbs)
	}
	st, err := e.cri.Runtime.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sbs.Items[0].Id, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(st.Info["info"]), &info); err != nil || info.Pid <= 1 {
		t.Fatalf("sandbox info: %v %q", err, st.Info["info"])
	}
	proc, err := os.FindProcess(info.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
}

// killContainerd kills the test's containerd (found by its config path,
// next to its socket); its supervisor starts it again.
func (e *testEnv) killContainerd(t *testing.T) {
	t.Helper()
	config := filepath.Join(filepath.Dir(strings.TrimPrefix(e.cfg.RuntimeEndpoint, "unix://")), "config.toml")
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 3 && filepath.Base(args[0]) == "containerd" && args[1] == "--config" && args[2] == config {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			proc, err := os.FindProcess(pid)
			if err != nil {
				t.Fatal(err)
			}
			if err := proc.Kill(); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no containerd running with --config %s", config)
}

func (e *testEnv) waitNodeReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := e.client.CoreV1().Nodes().Get(context.Background(), testNode, metav1.GetOptions{})
		if err == nil && nodeReady(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node not ready: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitEventMessage waits for a kubelet event of reason about pod name whose
// message contains text.
func waitEventMessage(t *testing.T, e *testEnv, name, reason, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		list, err := e.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{})
		if err == nil {
			seen = seen[:0]
			for _, ev := range list.Items {
				if ev.InvolvedObject.Name == name && ev.Reason == reason {
					seen = append(seen, ev.Message)
					if strings.Contains(ev.Message, text) {
						return
					}
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no %s event for pod %s with %q; saw %q", reason, name, text, seen)
}
