package scheduler

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

func queuePod(name string, prio int32) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       v1.PodSpec{Priority: &prio},
	}
}

func popName(t *testing.T, q *Queue) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := q.Pop(ctx)
	if err != nil {
		t.Fatalf("Pop: %v", err)
	}
	return p.Pod.Name
}

func TestQueueOrder(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	q.Add(queuePod("low-old", 1))
	clk.Step(time.Millisecond)
	q.Add(queuePod("high", 100))
	clk.Step(time.Millisecond)
	q.Add(queuePod("low-new", 1))
	clk.Step(time.Millisecond)
	q.Add(queuePod("mid", 50))
	for _, want := range []string{"high", "mid", "low-old", "low-new"} {
		if got := popName(t, q); got != want {
			t.Fatalf("popped %s, want %s", got, want)
		}
	}
}

func TestQueueBackoff(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {9, 10 * time.Second}}
	for _, tc := range tests {
		if got := q.backoffDuration(&QueuedPod{Attempts: tc.attempts}); got != tc.want {
			t.Errorf("backoff after %d attempts = %v, want %v", tc.attempts, got, tc.want)
		}
	}

	// An error sends the pod to backoffQ; it comes back after 1 s.
	q.Add(queuePod("p", 0))
	p, _ := q.Pop(context.Background())
	q.AddUnschedulable(p, q.SchedulingCycle(), false)
	if a, b, u := q.Lengths(); a != 0 || b != 1 || u != 0 {
		t.Fatalf("lengths %d/%d/%d, want 0/1/0", a, b, u)
	}
	clk.Step(500 * time.Millisecond)
	q.flushBackoff()
	if a, _, _ := q.Lengths(); a != 0 {
		t.Fatal("pod left backoff before 1 s")
	}
	clk.Step(600 * time.Millisecond)
	q.flushBackoff()
	if a, _, _ := q.Lengths(); a != 1 {
		t.Fatal("pod still backing off after 1.1 s")
	}
}

func TestQueueUnschedulableMoves(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	q.Add(queuePod("p", 0))
	p, _ := q.Pop(context.Background())
	q.AddUnschedulable(p, q.SchedulingCycle(), true)
	if _, _, u := q.Lengths(); u != 1 {
		t.Fatal("pod not in the unschedulable set")
	}

	// A cluster event while it still backs off: to backoffQ.
	q.MoveAll(nil)
	if a, b, u := q.Lengths(); a != 0 || b != 1 || u != 0 {
		t.Fatalf("after move: %d/%d/%d, want 0/1/0", a, b, u)
	}
	clk.Step(2 * time.Second)
	q.flushBackoff()
	if popName(t, q) != "p" {
		t.Fatal("wrong pod")
	}

	// A move during the pod's cycle sends it to backoff, not to wait.
	cycle := q.SchedulingCycle()
	q.MoveAll(nil)
	q.AddUnschedulable(p, cycle, true)
	if _, b, u := q.Lengths(); b != 1 || u != 0 {
		t.Fatalf("move during cycle: backoff %d unschedulable %d, want 1/0", b, u)
	}
	clk.Step(10 * time.Second)
	q.flushBackoff()
	popName(t, q)

	// The periodic flush frees pods that waited longer than 60 s.
	q.AddUnschedulable(p, q.SchedulingCycle(), true)
	clk.Step(30 * time.Second)
	q.flushUnschedulable()
	if _, _, u := q.Lengths(); u != 1 {
		t.Fatal("flushed before 60 s")
	}
	clk.Step(31 * time.Second)
	q.flushUnschedulable()
	if a, _, u := q.Lengths(); a != 1 || u != 0 {
		t.Fatalf("not flushed after 61 s: active %d unschedulable %d", a, u)
	}
}

func TestQueueDeleteAndPopCancel(t *testing.T) {
	q := NewQueue(QueueConfig{})
	q.Add(queuePod("gone", 0))
	q.Delete(queuePod("gone", 0))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := q.Pop(ctx); err == nil {
		t.Fatal("Pop returned a deleted pod")
	}
}
