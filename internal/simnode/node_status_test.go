package simnode

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/nauta/nauta/internal/server/servertest"
)

// A node shown not Ready (as the node lifecycle controller does when a
// lease went stale) reports Ready again at once, not at the next status
// report, and its lease is renewed.
func TestNotReadyNodeReportsAgain(t *testing.T) {
	restCfg := servertest.Start(t, nil)
	client := kubernetes.NewForConfigOrDie(restCfg)
	ctx := context.Background()
	startRunner(t, Config{
		RESTConfig:        restCfg,
		Nodes:             2,
		HeartbeatInterval: time.Hour,
		StatusInterval:    time.Hour,
	})

	leaseBefore, err := client.CoordinationV1().Leases(v1.NamespaceNodeLease).Get(ctx, "sim-node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := client.CoreV1().Nodes().Get(ctx, "sim-node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range node.Status.Conditions {
		c := &node.Status.Conditions[i]
		c.Status, c.Reason, c.Message = v1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
	}
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "sim-node-1 Ready again", func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "sim-node-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == v1.NodeReady {
				return c.Status == v1.ConditionTrue && c.Reason == "KubeletReady", nil
			}
		}
		return false, nil
	})
	lease, err := client.CoordinationV1().Leases(v1.NamespaceNodeLease).Get(ctx, "sim-node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !lease.Spec.RenewTime.After(leaseBefore.Spec.RenewTime.Time) {
		t.Errorf("lease not renewed: %v → %v", leaseBefore.Spec.RenewTime, lease.Spec.RenewTime)
	}
}
