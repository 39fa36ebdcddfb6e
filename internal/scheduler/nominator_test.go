package scheduler

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestNominator(t *testing.T) {
	n := newNominator()
	if got := n.pods("a"); got != nil {
		t.Fatalf("empty nominator: %v", got)
	}
	p1 := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p1", UID: types.UID("1")}}
	p2 := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p2", UID: types.UID("2")}}
	n.set(p1, "a")
	n.set(p2, "a")
	if got := len(n.pods("a")); got != 2 {
		t.Fatalf("node a: %d pods, want 2", got)
	}
	n.set(p1, "b") // a new nomination replaces the old one
	if len(n.pods("a")) != 1 || len(n.pods("b")) != 1 {
		t.Fatalf("after moving p1: a %v, b %v", n.pods("a"), n.pods("b"))
	}
	bound := p2.DeepCopy()
	bound.Spec.NodeName = "a"
	n.update(bound) // bound: the nomination is over
	n.set(p1, "")
	if n.pods("a") != nil || n.pods("b") != nil || n.count.Load() != 0 {
		t.Fatalf("after forgetting: a %v, b %v, count %d", n.pods("a"), n.pods("b"), n.count.Load())
	}
}
