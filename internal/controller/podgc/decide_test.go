package podgc

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pod(name string, age int, phase v1.PodPhase, mutate ...func(*v1.Pod)) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(t0.Add(-time.Duration(age) * time.Second))},
		Status:     v1.PodStatus{Phase: phase},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func names(pods []*v1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTerminatedOverThreshold(t *testing.T) {
	evicted := func(p *v1.Pod) { p.Status.Reason = "Evicted" }
	pods := []*v1.Pod{
		pod("running", 100, v1.PodRunning),
		pod("old", 50, v1.PodSucceeded),
		pod("new", 10, v1.PodFailed),
		pod("evicted", 1, v1.PodFailed, evicted),
		pod("mid", 30, v1.PodFailed),
	}
	tests := []struct {
		threshold int
		want      []string
	}{
		{0, nil},
		{10, nil},
		{4, nil},
		{3, []string{"evicted"}},
		{1, []string{"evicted", "old", "mid"}},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			if got := names(terminatedOverThreshold(pods, tt.threshold)); !equal(got, tt.want) {
				t.Errorf("threshold %d: got %v, want %v", tt.threshold, got, tt.want)
			}
		})
	}
}

func TestTerminatingOnOutOfServiceNodes(t *testing.T) {
	now := metav1.NewTime(t0)
	terminating := func(node string) func(*v1.Pod) {
		return func(p *v1.Pod) { p.DeletionTimestamp = &now; p.Spec.NodeName = node }
	}
	oos := []v1.Taint{{Key: v1.TaintNodeOutOfService, Effect: v1.TaintEffectNoExecute}}
	ready := []v1.NodeCondition{{Type: v1.NodeReady, Status: v1.ConditionTrue}}
	nodes := map[string]*v1.Node{
		"down-oos":  {Spec: v1.NodeSpec{Taints: oos}},
		"down":      {},
		"ready-oos": {Spec: v1.NodeSpec{Taints: oos}, Status: v1.NodeStatus{Conditions: ready}},
	}
	pods := []*v1.Pod{
		pod("a", 1, v1.PodRunning, terminating("down-oos")),
		pod("b", 1, v1.PodRunning, terminating("down")),
		pod("c", 1, v1.PodRunning, terminating("ready-oos")),
		pod("d", 1, v1.PodRunning, func(p *v1.Pod) { p.Spec.NodeName = "down-oos" }),
		pod("e", 1, v1.PodRunning, terminating("")),
	}
	if got := names(terminatingOnOutOfServiceNodes(pods, nodes)); !equal(got, []string{"a"}) {
		t.Errorf("out-of-service: got %v", got)
	}
	if got := names(unscheduledTerminating(pods)); !equal(got, []string{"e"}) {
		t.Errorf("unscheduled: got %v", got)
	}
}

func TestQuarantine(t *testing.T) {
	on := func(node string) func(*v1.Pod) { return func(p *v1.Pod) { p.Spec.NodeName = node } }
	pods := []*v1.Pod{pod("a", 1, v1.PodRunning, on("gone")), pod("b", 1, v1.PodRunning, on("here")), pod("c", 1, v1.PodPending)}
	nodes := map[string]*v1.Node{"here": {}}
	q := newQuarantine(40 * time.Second)
	steps := []struct {
		after time.Duration
		nodes map[string]*v1.Node
		want  []string
	}{
		{0, nodes, nil},
		{39 * time.Second, nodes, nil},
		{40 * time.Second, nodes, []string{"gone"}},
		// The node came back: the clock starts again when it goes.
		{41 * time.Second, map[string]*v1.Node{"here": {}, "gone": {}}, nil},
		{42 * time.Second, nodes, nil},
		{82 * time.Second, nodes, []string{"gone"}},
	}
	for _, s := range steps {
		got := q.expired(pods, s.nodes, t0.Add(s.after))
		if !equal(got, s.want) {
			t.Errorf("at %v: got %v, want %v", s.after, got, s.want)
		}
	}
}
