package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/server"
)

// TestNodeFailureEvictsAndReschedules stops one simulated node's
// heartbeats and follows the upstream chain: the node lifecycle controller
// marks it Ready=Unknown and taints it node.kubernetes.io/unreachable
// NoExecute, the taint eviction controller deletes its pods once the
// default toleration (added by the DefaultTolerationSeconds admission)
// runs out, and the Deployment's pods are recreated on the other nodes.
//
// The three nodes carry no zone label, so they form one zone. With one of
// three nodes down that zone stays Normal (a zone is only partially
// disrupted when more than two nodes and at least the unhealthy threshold
// are not ready), so the taint is applied at the normal eviction rate,
// whose first token is available at once.
func TestNodeFailureEvictsAndReschedules(t *testing.T) {
	const toleration = 3 // seconds
	c := startCluster(t, clusterOptions{
		nodes: 3,
		server: func(cfg *server.Config) {
			cfg.DefaultNotReadyTolerationSeconds = toleration
			cfg.DefaultUnreachableTolerationSeconds = toleration
		},
		constructors:  nodeLifecycleFast(4 * time.Second),
		heartbeat:     500 * time.Millisecond,
		leaseDuration: 4 * time.Second,
	})
	ctx := context.Background()

	const replicas = 6
	if _, err := c.client.AppsV1().Deployments(c.ns).Create(ctx, newDeployment("web", replicas), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := c.waitRunning(t, "web", replicas)
	for _, tol := range pods[0].Spec.Tolerations {
		if tol.Key == corev1.TaintNodeUnreachable && (tol.TolerationSeconds == nil || *tol.TolerationSeconds != toleration) {
			t.Fatalf("unreachable toleration %+v, want %d seconds", tol, toleration)
		}
	}
	perNode := map[string]int{}
	for _, p := range pods {
		perNode[p.Spec.NodeName]++
	}
	// Fail a node that runs pods (the spreading score puts some on each).
	var failed string
	for _, name := range c.nodes.NodeNames() {
		if perNode[name] > 0 {
			failed = name
			break
		}
	}
	if failed == "" {
		t.Fatalf("no node runs pods: %v", perNode)
	}
	start := time.Now()
	c.nodes.StopHeartbeat(failed)

	waitFor(t, clusterTimeout, func() error {
		node, err := c.client.CoreV1().Nodes().Get(ctx, failed, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ready := "missing"
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				ready = string(cond.Status)
			}
		}
		tainted := false
		for _, taint := range node.Spec.Taints {
			if taint.Key == corev1.TaintNodeUnreachable && taint.Effect == corev1.TaintEffectNoExecute {
				tainted = true
			}
		}
		if ready != string(corev1.ConditionUnknown) || !tainted {
			return fmt.Errorf("node %s: Ready=%s, taints %v; want Ready=Unknown and the unreachable NoExecute taint", failed, ready, node.Spec.Taints)
		}
		return nil
	})
	t.Logf("node %s unreachable and tainted after %s", failed, time.Since(start).Round(time.Millisecond))

	// Every pod of the failed node gets deleted (it stays Terminating: its
	// kubelet is gone) and the deployment is whole again elsewhere.
	waitFor(t, clusterTimeout, func() error {
		all, err := c.client.CoreV1().Pods(c.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err
		}
		running := 0
		for i := range all.Items {
			p := &all.Items[i]
			if p.Spec.NodeName == failed && p.DeletionTimestamp == nil {
				return fmt.Errorf("pod %s on the failed node is not evicted", p.Name)
			}
			if p.DeletionTimestamp == nil {
				if p.Spec.NodeName == failed {
					return fmt.Errorf("new pod %s was placed on the failed node", p.Name)
				}
				if podRunning(p) {
					running++
				}
			}
		}
		if running != replicas {
			return fmt.Errorf("%d pods running on healthy nodes, want %d", running, replicas)
		}
		return nil
	})
	t.Logf("deployment whole again after %s", time.Since(start).Round(time.Millisecond))
	d := c.waitDeploymentComplete(t, "web")
	if d.Status.AvailableReplicas != replicas {
		t.Fatalf("available replicas %d, want %d", d.Status.AvailableReplicas, replicas)
	}

	// The eviction waited for the toleration: the evicted pods were deleted
	// no earlier than tolerationSeconds after the taint. They stay
	// Terminating, since no kubelet confirms their deletion.
	node, err := c.client.CoreV1().Nodes().Get(ctx, failed, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var taintedAt time.Time
	for _, taint := range node.Spec.Taints {
		if taint.Key == corev1.TaintNodeUnreachable && taint.TimeAdded != nil {
			taintedAt = taint.TimeAdded.Time
		}
	}
	if taintedAt.IsZero() {
		t.Fatalf("unreachable taint without timeAdded: %v", node.Spec.Taints)
	}
	evicted, err := c.client.CoreV1().Pods(c.ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + failed})
	if err != nil {
		t.Fatal(err)
	}
	if len(evicted.Items) != perNode[failed] {
		t.Fatalf("%d pods left on the failed node, want its %d evicted pods still Terminating", len(evicted.Items), perNode[failed])
	}
	for _, p := range evicted.Items {
		if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil {
			t.Fatalf("pod %s on the failed node not deleted", p.Name)
		}
		// DeletionTimestamp is the request time plus the grace period;
		// timestamps have second precision.
		requested := p.DeletionTimestamp.Add(-time.Duration(*p.DeletionGracePeriodSeconds) * time.Second)
		if requested.Before(taintedAt.Add((toleration - 1) * time.Second)) {
			t.Errorf("pod %s deleted at %s, taint added %s: before the %ds toleration ran out", p.Name, requested, taintedAt, toleration)
		}
	}

	// The node comes back: it is Ready again, untainted, and its kubelet
	// finishes the deletions.
	c.nodes.ResumeHeartbeat(failed)
	waitFor(t, clusterTimeout, func() error {
		node, err := c.client.CoreV1().Nodes().Get(ctx, failed, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status != corev1.ConditionTrue {
				return fmt.Errorf("node %s Ready=%s", failed, cond.Status)
			}
		}
		for _, taint := range node.Spec.Taints {
			if taint.Key == corev1.TaintNodeUnreachable || taint.Key == corev1.TaintNodeNotReady {
				return fmt.Errorf("node %s still tainted %v", failed, node.Spec.Taints)
			}
		}
		left, err := c.client.CoreV1().Pods(c.ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + failed})
		if err != nil {
			return err
		}
		if len(left.Items) != 0 {
			return fmt.Errorf("%d pods still on node %s", len(left.Items), failed)
		}
		return nil
	})
	c.waitRunning(t, "web", replicas)
}
