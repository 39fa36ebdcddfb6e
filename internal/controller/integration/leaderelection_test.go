package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/controller/manager"
	"github.com/nauta/nauta/internal/server/servertest"
)

// workqueueAdds sums workqueue_adds_total in reg: non-zero only where
// controllers ran.
func workqueueAdds(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != "workqueue_adds_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestLeaderElectionOnlyOneManagerRuns(t *testing.T) {
	cfg := servertest.Start(t, nil)
	client := newClient(t, cfg)
	ctx := context.Background()

	electionConfig := func(identity string, reg *prometheus.Registry) manager.Config {
		return manager.Config{
			RESTConfig:    cfg,
			Identity:      identity,
			LeaderElect:   true,
			LeaseDuration: 4 * time.Second,
			RenewDeadline: 3 * time.Second,
			RetryPeriod:   500 * time.Millisecond,
			Registerer:    reg,
		}
	}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	a, stopA := startManager(t, electionConfig("manager-a", regA))
	b, stopB := startManager(t, electionConfig("manager-b", regB))
	regs := map[*manager.Manager]*prometheus.Registry{a: regA, b: regB}
	stops := map[*manager.Manager]func(){a: stopA, b: stopB}

	var leader, follower *manager.Manager
	eventually(t, "a leader elected", func(context.Context) (bool, error) {
		switch {
		case a.IsLeader() && b.IsLeader():
			t.Fatal("both managers lead")
		case a.IsLeader():
			leader, follower = a, b
		case b.IsLeader():
			leader, follower = b, a
		}
		return leader != nil, nil
	})

	lease, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "nauta-controller-manager", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != leader.Identity() {
		t.Fatalf("lease held by %v, leader is %s", lease.Spec.HolderIdentity, leader.Identity())
	}

	// The leader's controllers work; the follower's never started.
	createNamespace(t, client, "under-a-leader")
	eventually(t, "leader creates the default service account", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().ServiceAccounts("under-a-leader").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, err
	})
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if follower.IsLeader() {
			t.Fatalf("%s leads while %s holds the lease", follower.Identity(), leader.Identity())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := workqueueAdds(t, regs[follower]); n != 0 {
		t.Fatalf("follower %s queued %v keys", follower.Identity(), n)
	}
	if n := workqueueAdds(t, regs[leader]); n == 0 {
		t.Fatalf("leader %s queued nothing", leader.Identity())
	}

	// Stopping the leader releases the lease; the follower takes over
	// without waiting for the lease to expire, and its controllers work.
	stopped := time.Now()
	stops[leader]()
	if leader.IsLeader() {
		t.Fatal("stopped manager still leads")
	}
	eventually(t, "follower takes over", func(context.Context) (bool, error) {
		return follower.IsLeader(), nil
	})
	t.Logf("takeover after %v", time.Since(stopped))
	createNamespace(t, client, "under-the-next-leader")
	eventually(t, "new leader creates the default service account", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().ServiceAccounts("under-the-next-leader").Get(ctx, "default", metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("%w (leader %v)", err, follower.IsLeader())
		}
		return true, nil
	})
}
