package nodeipam

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestAllocatesAndReleases(t *testing.T) {
	ctx := context.Background()
	seed := func(client kubernetes.Interface) {
		n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "old"}, Spec: v1.NodeSpec{PodCIDR: "10.99.0.0/24", PodCIDRs: []string{"10.99.0.0/24"}}}
		if _, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Two node ranges: "old" holds one, so only one is left.
	client := runController(t, NewWithOptions(Options{ClusterCIDR: "10.99.0.0/23", NodeCIDRMaskSizeIPv4: 24}), seed)
	nodes := client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node a gets 10.99.1.0/24", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "a", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return n.Spec.PodCIDR == "10.99.1.0/24" && len(n.Spec.PodCIDRs) == 1 && n.Spec.PodCIDRs[0] == "10.99.1.0/24", nil
	})
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := nodes.Delete(ctx, "old", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node b gets the released range", func(ctx context.Context) (bool, error) {
		n, err := nodes.Get(ctx, "b", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return n.Spec.PodCIDR == "10.99.0.0/24", nil
	})
	// The range is full now: a third node gets nothing and an event says so.
	if _, err := nodes.Create(ctx, &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "CIDRNotAvailable event", func(ctx context.Context) (bool, error) {
		events, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.Reason == "CIDRNotAvailable" && e.InvolvedObject.Name == "c" && e.Message == "Node c status is now: CIDRNotAvailable" {
				return true, nil
			}
		}
		return false, nil
	})
	if n, err := nodes.Get(ctx, "c", metav1.GetOptions{}); err != nil || n.Spec.PodCIDR != "" {
		t.Errorf("node c: %v, podCIDR %q", err, n.Spec.PodCIDR)
	}
}
