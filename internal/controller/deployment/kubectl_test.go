package deployment_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/controller/deployment"
	"github.com/nauta/nauta/internal/server"
	"github.com/nauta/nauta/internal/server/servertest"
)

// TestKubectlRollout drives the real kubectl through a rollout, its
// history and an undo.
func TestKubectlRollout(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not on PATH: %v", err)
	}
	var dataDir string
	cfg := servertest.Start(t, func(c *server.Config) { dataDir = c.DataDir })
	client := runControllers(t, cfg)
	markPodsReady(t, client, "default")
	kubeconfig := filepath.Join(dataDir, "kubeconfig.yaml")

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(kubectl, append([]string{"--kubeconfig", kubeconfig, "-n", "default"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	run("create", "deployment", "web", "--image=busybox:1", "--replicas=2")
	if out := run("rollout", "status", "deployment/web", "--timeout=60s"); !strings.Contains(out, `deployment "web" successfully rolled out`) {
		t.Errorf("rollout status: %s", out)
	}
	run("set", "image", "deployment/web", "busybox=busybox:2")
	run("rollout", "status", "deployment/web", "--timeout=60s")
	history := run("rollout", "history", "deployment/web")
	if !strings.Contains(history, "1 ") || !strings.Contains(history, "2 ") {
		t.Errorf("rollout history:\n%s", history)
	}
	if out := run("rollout", "history", "deployment/web", "--revision=1"); !strings.Contains(out, "busybox:1") {
		t.Errorf("revision 1:\n%s", out)
	}

	run("rollout", "undo", "deployment/web")
	run("rollout", "status", "deployment/web", "--timeout=60s")
	d, err := client.AppsV1().Deployments("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "busybox:1" {
		t.Errorf("image after undo %q", img)
	}
	if rev := d.Annotations[deployment.RevisionAnnotation]; rev != "3" {
		t.Errorf("revision after undo %q, want 3", rev)
	}
	history = run("rollout", "history", "deployment/web")
	if strings.Contains(history, "\n1 ") || !strings.Contains(history, "3 ") {
		t.Errorf("history after undo (revision 1 became 3):\n%s", history)
	}
}
