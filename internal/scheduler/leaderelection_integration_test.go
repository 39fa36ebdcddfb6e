package scheduler_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/scheduler"
	"github.com/nauta/nauta/internal/server/servertest"
)

// runScheduler starts a leader-elected scheduler with identity and returns
// a function that stops it and waits.
func runScheduler(t *testing.T, cfg *rest.Config, identity string) func() {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{
		RESTConfig: cfg, LeaderElect: true, Identity: identity,
		LeaseDuration: 4 * time.Second, RenewDeadline: 3 * time.Second, RetryPeriod: 300 * time.Millisecond,
		Logger: servertest.Logger(t, slog.LevelInfo).With("identity", identity),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("scheduler %s: %v", identity, err)
			}
		case <-time.After(waitTimeout):
			t.Errorf("scheduler %s did not stop", identity)
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitHolder(t *testing.T, client kubernetes.Interface, want string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-scheduler", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == want, nil
	})
	if err != nil {
		t.Fatalf("lease not held by %s: %v", want, err)
	}
}

// TestLeaderElectionFailover: the second scheduler takes over when the
// first stops (releasing the Lease) and schedules the next pod.
func TestLeaderElectionFailover(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, client: client, ns: "default"}
	stopA := runScheduler(t, cfg, "sched-a")
	waitHolder(t, client, "sched-a")
	runScheduler(t, cfg, "sched-b")
	stopA()
	waitHolder(t, client, "sched-b")
	e.createNodes(t, nodeSpec{name: "le-node", cpu: "2"})
	e.createPod(t, cpuPod("le-pod", "100m"))
	if node := e.waitBound(t, "le-pod"); node != "le-node" {
		t.Errorf("bound to %s", node)
	}
}
