package simnode

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/server/servertest"
)

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"no rest config", Config{Nodes: 1}, true},
		{"no nodes", Config{RESTConfig: &rest.Config{}}, true},
		{"negative zones", Config{RESTConfig: &rest.Config{}, Nodes: 1, Zones: -1}, true},
		{"defaults", Config{RESTConfig: &rest.Config{}, Nodes: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.withDefaults()
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("want ErrInvalidConfig, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.NamePrefix != "sim-node-" || got.CPU.String() != "32" || got.Memory.String() != "256Gi" ||
				got.Pods.String() != "110" || got.LeaseDuration != 40*time.Second || got.HeartbeatInterval != 10*time.Second ||
				got.Workers != DefaultWorkers || got.PodWorkers != DefaultPodWorkers || got.QPS != DefaultQPS {
				t.Errorf("defaults: %+v", got)
			}
		})
	}
}

// startRunner runs simulated nodes against cfg until the test ends.
func startRunner(t testing.TB, cfg Config) *Runner {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = servertest.Logger(t, slog.LevelInfo)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-r.Ready():
	case err := <-done:
		t.Fatalf("Run ended early: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("simulated nodes not ready")
	}
	return r
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			ok, err := cond(ctx)
			last = err
			return ok, nil
		})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last error: %v)", what, err, last)
	}
}

func boundPod(name, node string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.PodSpec{
			NodeName:       node,
			InitContainers: []v1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []v1.Container{{Name: "app", Image: "busybox"}, {Name: "side", Image: "nginx"}},
		},
	}
}

func TestRunnerIntegration(t *testing.T) {
	restCfg := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(restCfg)
	ctx := context.Background()

	r := startRunner(t, Config{
		RESTConfig:        restCfg,
		Nodes:             3,
		Zones:             2,
		Labels:            map[string]string{"pool": "sim"},
		HeartbeatInterval: time.Second,
		StatusInterval:    time.Second,
	})

	t.Run("nodes", func(t *testing.T) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=simulated"})
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes.Items) != 3 {
			t.Fatalf("got %d nodes", len(nodes.Items))
		}
		for _, n := range nodes.Items {
			if n.Labels[v1.LabelHostname] != n.Name || n.Labels["pool"] != "sim" || !strings.HasPrefix(n.Labels[v1.LabelTopologyZone], "zone-") {
				t.Errorf("node %s labels %v", n.Name, n.Labels)
			}
			if n.Status.Capacity.Cpu().String() != "32" || n.Status.Allocatable.Pods().String() != "110" {
				t.Errorf("node %s capacity %v", n.Name, n.Status.Capacity)
			}
			ready := false
			for _, c := range n.Status.Conditions {
				if c.Type == v1.NodeReady && c.Status == v1.ConditionTrue && c.Reason == "KubeletReady" {
					ready = true
				}
			}
			if !ready || n.Status.NodeInfo.KubeletVersion == "" || len(n.Status.Addresses) != 2 {
				t.Errorf("node %s status %+v", n.Name, n.Status)
			}
		}
		if got := nodes.Items[0].Labels[v1.LabelTopologyZone]; got != "zone-0" {
			t.Errorf("sim-node-0 zone %q", got)
		}
	})

	t.Run("pods become running", func(t *testing.T) {
		for _, name := range []string{"a", "b"} {
			if _, err := client.CoreV1().Pods("default").Create(ctx, boundPod(name, "sim-node-0"), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		// A pod on a node that is not ours stays untouched.
		if _, err := client.CoreV1().Pods("default").Create(ctx, boundPod("other", "real-node"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		ips := map[string]bool{}
		for _, name := range []string{"a", "b"} {
			waitFor(t, 30*time.Second, "pod "+name+" running", func(ctx context.Context) (bool, error) {
				p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return false, err
				}
				return running(p), nil
			})
			p, _ := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			ip, err := netip.ParseAddr(p.Status.PodIP)
			if err != nil || !netip.MustParsePrefix("10.244.0.0/24").Contains(ip) || ips[p.Status.PodIP] {
				t.Errorf("pod %s IP %q", name, p.Status.PodIP)
			}
			ips[p.Status.PodIP] = true
			if p.Status.HostIP != "172.16.0.1" {
				t.Errorf("hostIP %q", p.Status.HostIP)
			}
			if len(p.Status.ContainerStatuses) != 2 || !p.Status.ContainerStatuses[0].Ready ||
				p.Status.ContainerStatuses[0].State.Running == nil || p.Status.ContainerStatuses[0].ContainerID == "" {
				t.Errorf("container statuses %+v", p.Status.ContainerStatuses)
			}
			if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Terminated == nil {
				t.Errorf("init container statuses %+v", p.Status.InitContainerStatuses)
			}
			conds := map[v1.PodConditionType]v1.ConditionStatus{}
			for _, c := range p.Status.Conditions {
				conds[c.Type] = c.Status
			}
			for _, c := range []v1.PodConditionType{v1.PodScheduled, v1.PodInitialized, v1.ContainersReady, v1.PodReady} {
				if conds[c] != v1.ConditionTrue {
					t.Errorf("pod %s condition %s = %q", name, c, conds[c])
				}
			}
		}
		other, err := client.CoreV1().Pods("default").Get(ctx, "other", metav1.GetOptions{})
		if err != nil || other.Status.Phase != v1.PodPending {
			t.Errorf("pod on a foreign node: phase %q, %v", other.Status.Phase, err)
		}
	})

	t.Run("graceful deletion", func(t *testing.T) {
		start := time.Now()
		if err := client.CoreV1().Pods("default").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "pod a gone", func(ctx context.Context) (bool, error) {
			_, err := client.CoreV1().Pods("default").Get(ctx, "a", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("deletion took %v, want about 1s", d)
		}
	})

	t.Run("node status reports", func(t *testing.T) {
		heartbeat := func(ctx context.Context) (time.Time, time.Time, error) {
			n, err := client.CoreV1().Nodes().Get(ctx, "sim-node-0", metav1.GetOptions{})
			if err != nil {
				return time.Time{}, time.Time{}, err
			}
			for _, c := range n.Status.Conditions {
				if c.Type == v1.NodeReady {
					return c.LastHeartbeatTime.Time, c.LastTransitionTime.Time, nil
				}
			}
			return time.Time{}, time.Time{}, errors.New("no Ready condition")
		}
		firstBeat, firstTransition, err := heartbeat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "Ready heartbeat time advances", func(ctx context.Context) (bool, error) {
			beat, transition, err := heartbeat(ctx)
			if err == nil && !transition.Equal(firstTransition) {
				return false, errors.New("lastTransitionTime changed on a heartbeat")
			}
			return err == nil && beat.After(firstBeat), err
		})
	})

	t.Run("deleted node comes back", func(t *testing.T) {
		old, err := client.CoreV1().Nodes().Get(ctx, "sim-node-2", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := client.CoreV1().Nodes().Delete(ctx, "sim-node-2", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "sim-node-2 registered again", func(ctx context.Context) (bool, error) {
			n, err := client.CoreV1().Nodes().Get(ctx, "sim-node-2", metav1.GetOptions{})
			return err == nil && n.UID != old.UID, err
		})
	})

	t.Run("leases and StopHeartbeat", func(t *testing.T) {
		leases := client.CoordinationV1().Leases(v1.NamespaceNodeLease)
		renewTime := func(ctx context.Context, node string) (time.Time, error) {
			l, err := leases.Get(ctx, node, metav1.GetOptions{})
			if err != nil {
				return time.Time{}, err
			}
			if *l.Spec.HolderIdentity != node || *l.Spec.LeaseDurationSeconds != 40 || len(l.OwnerReferences) != 1 {
				t.Errorf("lease %s spec %+v owners %v", node, l.Spec, l.OwnerReferences)
			}
			return l.Spec.RenewTime.Time, nil
		}
		first, err := renewTime(ctx, "sim-node-1")
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "lease renewed", func(ctx context.Context) (bool, error) {
			now, err := renewTime(ctx, "sim-node-1")
			return err == nil && now.After(first), err
		})
		r.StopHeartbeat("sim-node-1")
		time.Sleep(1500 * time.Millisecond) // let an in-flight renewal land
		stopped, _ := renewTime(ctx, "sim-node-1")
		other, _ := renewTime(ctx, "sim-node-2")
		time.Sleep(2500 * time.Millisecond)
		if later, _ := renewTime(ctx, "sim-node-1"); !later.Equal(stopped) {
			t.Errorf("stopped node's lease still renewed: %v → %v", stopped, later)
		}
		if later, _ := renewTime(ctx, "sim-node-2"); !later.After(other) {
			t.Errorf("other node's lease not renewed: %v → %v", other, later)
		}
	})
}
