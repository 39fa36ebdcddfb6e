package scheduler

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

func cacheNode(name string) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NodeStatus{Allocatable: v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("4"), v1.ResourcePods: resource.MustParse("10"),
	}}}
}

func cachePod(name, node, cpu string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: v1.PodSpec{NodeName: node, Containers: []v1.Container{{Name: "c",
			Resources: v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

func TestCacheSnapshotIsIncremental(t *testing.T) {
	c := NewCache()
	c.AddNode(cacheNode("a"))
	c.AddNode(cacheNode("b"))
	snap := &framework.Snapshot{}
	c.UpdateSnapshot(snap)
	if snap.NumNodes() != 2 {
		t.Fatalf("%d nodes in snapshot, want 2", snap.NumNodes())
	}
	before := snap.NodeInfoMap["b"]

	// Assume a pod on a: only a is copied again.
	assumed := cachePod("p", "a", "1")
	if err := c.AssumePod(assumed); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(snap)
	if snap.NodeInfoMap["b"] != before {
		t.Error("unchanged node b was copied again")
	}
	if got := snap.NodeInfoMap["a"].Requested.MilliCPU; got != 1000 {
		t.Errorf("a requested %dm, want 1000m", got)
	}
	if !c.IsAssumed(assumed) {
		t.Error("pod not assumed")
	}

	// The informer confirms the binding: still counted once.
	c.AddPod(cachePod("p", "a", "1"))
	c.UpdateSnapshot(snap)
	if c.IsAssumed(assumed) || snap.NodeInfoMap["a"].Requested.MilliCPU != 1000 || len(snap.NodeInfoMap["a"].Pods) != 1 {
		t.Errorf("after confirmation: assumed=%v requested=%d pods=%d", c.IsAssumed(assumed), snap.NodeInfoMap["a"].Requested.MilliCPU, len(snap.NodeInfoMap["a"].Pods))
	}

	// A failed binding forgets the assumption.
	other := cachePod("q", "b", "2")
	if err := c.AssumePod(other); err != nil {
		t.Fatal(err)
	}
	c.ForgetPod(other)
	c.UpdateSnapshot(snap)
	if got := snap.NodeInfoMap["b"].Requested.MilliCPU; got != 0 {
		t.Errorf("b requested %dm after forget, want 0", got)
	}

	// Removing a node removes it from the snapshot's list.
	c.RemoveNode(cacheNode("b"))
	c.UpdateSnapshot(snap)
	if snap.NumNodes() != 1 || snap.NodeInfoList[0].Node().Name != "a" {
		t.Errorf("after removing b: %d nodes", snap.NumNodes())
	}
	c.RemovePod(assumed)
	c.UpdateSnapshot(snap)
	if len(snap.NodeInfoMap["a"].Pods) != 0 {
		t.Error("removed pod still on a")
	}
}
