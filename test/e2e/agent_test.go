package e2e

import (
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/nautabin"
)

// TestOneNodeCluster runs `nauta server` with its in-process agent (a
// kubelet on a private containerd, as root) and drives a real pod with the
// real kubectl: it runs, serves on its pod IP, shows its logs, runs exec,
// forwards a port, copies a file, and goes away on delete.
func TestOneNodeCluster(t *testing.T) {
	bin, err := nautabin.Path()
	if err != nil {
		t.Fatal(err)
	}
	c, err := startServer(bin, t.TempDir(), "--node-name", "e2e-node")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if logs, err := readLog(c); err == nil {
				t.Logf("---- server log (last 16 KiB) ----\n%s", tail(logs, 16<<10))
			}
		}
		if err := c.stop(); err != nil {
			t.Errorf("stopping server: %v", err)
		}
	})
	k := func(args ...string) string {
		t.Helper()
		return kubectl(t, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	}

	eventually(t, 120*time.Second, func() error {
		out := k("get", "nodes", "--no-headers")
		if !strings.Contains(out, "e2e-node") || !strings.Contains(out, " Ready ") {
			return fmt.Errorf("node e2e-node not Ready yet:\n%s", out)
		}
		return nil
	})

	k("run", "web", "--image=nauta.local/busybox:latest", "--image-pull-policy=IfNotPresent",
		"--", "sh", "-c", "echo started; echo hello > /www.txt; exec httpd -f -p 8080 -h /")
	k("wait", "--for=condition=Ready", "pod/web", "--timeout=120s")

	podIP := k("get", "pod", "web", "-o", "jsonpath={.status.podIP}")
	if podIP == "" {
		t.Fatal("pod has no IP")
	}
	eventually(t, 30*time.Second, func() error {
		resp, err := http.Get("http://" + podIP + ":8080/www.txt")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET pod IP: %s", resp.Status)
		}
		return nil
	})

	mustContain(t, k("logs", "web"), "started")
	mustContain(t, k("exec", "web", "--", "cat", "/www.txt"), "hello")

	local := t.TempDir() + "/copied.txt"
	k("cp", "web:/www.txt", local)
	if out, err := exec.Command("cat", local).Output(); err != nil || !strings.Contains(string(out), "hello") {
		t.Fatalf("kubectl cp: %q, %v", out, err)
	}

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	pf := exec.Command(kubectlPath(t, "kubectl"), "--kubeconfig", c.kubeconfig,
		"port-forward", "pod/web", fmt.Sprintf("%d:8080", port))
	if err := pf.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pf.Process.Kill(); _ = pf.Wait() }()
	eventually(t, 30*time.Second, func() error {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/www.txt", port))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("through port-forward: %s", resp.Status)
		}
		return nil
	})

	k("delete", "pod", "web", "--wait", "--timeout=60s")
	if out := k("get", "pods", "--no-headers", "--ignore-not-found"); strings.TrimSpace(out) != "" {
		t.Fatalf("pods left after delete:\n%s", out)
	}
}
