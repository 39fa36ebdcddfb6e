package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/nautabin"
)

// TestWorkloadsOnSimulatedNodes drives a Deployment through its life with
// the real kubectl on a server that runs the scheduler, the controllers and
// three simulated nodes: create, rollout status, scale, set image, rollout
// undo, drain and uncordon, delete with cascade.
func TestWorkloadsOnSimulatedNodes(t *testing.T) {
	bin, err := nautabin.Path()
	if err != nil {
		t.Fatal(err)
	}
	c, err := startCluster(bin, t.TempDir(), "--simulate-nodes", "3", "--simulate-node-zones", "3")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Errorf("stopping server: %v", err)
		}
		if t.Failed() {
			if logs, err := readLog(c); err == nil {
				t.Logf("---- server log (last 8 KiB) ----\n%s", tail(logs, 8<<10))
			}
		}
	})
	k := func(args ...string) string {
		t.Helper()
		return kubectl(t, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	}

	eventually(t, 60*time.Second, func() error {
		out := k("get", "nodes", "--no-headers")
		if n := strings.Count(out, " Ready "); n != 3 {
			return fmt.Errorf("%d Ready nodes, want 3:\n%s", n, out)
		}
		return nil
	})

	k("create", "namespace", "apps")
	k("-n", "apps", "create", "deployment", "web", "--image=busybox:1.35", "--replicas=3")
	k("-n", "apps", "rollout", "status", "deployment/web", "--timeout=90s")

	k("-n", "apps", "scale", "deployment/web", "--replicas=6")
	k("-n", "apps", "rollout", "status", "deployment/web", "--timeout=90s")
	pods := k("-n", "apps", "get", "pods", "-l", "app=web", "-o", "wide", "--no-headers")
	if n := strings.Count(pods, "Running"); n != 6 {
		t.Fatalf("%d Running pods after scale, want 6:\n%s", n, pods)
	}
	// Without upstream's system-default spread constraints the scheduler
	// does not promise every node a replica; it must not pile all on one.
	onNodes := 0
	for _, node := range []string{"sim-node-0", "sim-node-1", "sim-node-2"} {
		if strings.Contains(pods, node) {
			onNodes++
		}
	}
	if onNodes < 2 {
		t.Fatalf("6 replicas on %d node(s), want at least 2:\n%s", onNodes, pods)
	}

	k("-n", "apps", "set", "image", "deployment/web", "busybox=busybox:1.36")
	k("-n", "apps", "rollout", "status", "deployment/web", "--timeout=90s")
	mustContain(t, k("-n", "apps", "rollout", "history", "deployment/web"), "1", "2")
	k("-n", "apps", "rollout", "undo", "deployment/web")
	k("-n", "apps", "rollout", "status", "deployment/web", "--timeout=90s")
	image := k("-n", "apps", "get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
	if image != "busybox:1.35" {
		t.Fatalf("image after rollout undo = %q, want busybox:1.35", image)
	}

	k("drain", "sim-node-0", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
	mustContain(t, k("get", "node", "sim-node-0", "--no-headers"), "SchedulingDisabled")
	eventually(t, 90*time.Second, func() error {
		out := k("-n", "apps", "get", "pods", "-l", "app=web", "-o", "wide", "--no-headers")
		if strings.Contains(out, "sim-node-0") {
			return fmt.Errorf("pods still on the drained node:\n%s", out)
		}
		if n := strings.Count(out, "Running"); n != 6 {
			return fmt.Errorf("%d Running pods, want 6:\n%s", n, out)
		}
		return nil
	})
	k("uncordon", "sim-node-0")

	k("-n", "apps", "delete", "deployment", "web", "--wait", "--timeout=60s")
	eventually(t, 60*time.Second, func() error {
		out := k("-n", "apps", "get", "replicasets,pods", "--no-headers", "--ignore-not-found")
		if strings.TrimSpace(out) != "" {
			return fmt.Errorf("left after deleting the deployment:\n%s", out)
		}
		return nil
	})
}
