package nodelifecycle

import (
	"slices"
	"testing"
	"time"

	coordv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func secs(n int64) *int64 { return &n }

func nodeWith(ready v1.ConditionStatus, mutate ...func(*v1.Node)) *v1.Node {
	n := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}}
	if ready != "" {
		n.Status.Conditions = []v1.NodeCondition{{Type: v1.NodeReady, Status: ready}}
	}
	for _, m := range mutate {
		m(n)
	}
	return n
}

func TestDesiredTaints(t *testing.T) {
	pressure := func(n *v1.Node) {
		n.Status.Conditions = append(n.Status.Conditions,
			v1.NodeCondition{Type: v1.NodeMemoryPressure, Status: v1.ConditionTrue},
			v1.NodeCondition{Type: v1.NodeDiskPressure, Status: v1.ConditionFalse},
			v1.NodeCondition{Type: v1.NodePIDPressure, Status: v1.ConditionTrue})
	}
	tests := []struct {
		name string
		node *v1.Node
		want []string
	}{
		{"ready", nodeWith(v1.ConditionTrue), nil},
		{"not ready", nodeWith(v1.ConditionFalse), []string{"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"}},
		{"unknown", nodeWith(v1.ConditionUnknown), []string{"node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"}},
		{"no ready condition yet", nodeWith(""), nil},
		{"pressure", nodeWith(v1.ConditionTrue, pressure), []string{"node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/pid-pressure:NoSchedule"}},
		{"cordoned", nodeWith(v1.ConditionTrue, func(n *v1.Node) { n.Spec.Unschedulable = true }), []string{"node.kubernetes.io/unschedulable:NoSchedule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := taintStrings(desiredTaints(tt.node))
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReconcileTaints(t *testing.T) {
	now := metav1.NewTime(t0)
	earlier := metav1.NewTime(t0.Add(-time.Minute))
	foreign := v1.Taint{Key: "example.com/dedicated", Value: "x", Effect: v1.TaintEffectNoSchedule}
	unreachable := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute, TimeAdded: &earlier}
	tests := []struct {
		name        string
		current     []v1.Taint
		desired     []v1.Taint
		want        []string
		wantChanged bool
	}{
		{"nothing", nil, nil, nil, false},
		{"keeps foreign", []v1.Taint{foreign}, nil, []string{"example.com/dedicated=x:NoSchedule"}, false},
		{"adds", []v1.Taint{foreign}, []v1.Taint{{Key: v1.TaintNodeNotReady, Effect: v1.TaintEffectNoExecute}},
			[]string{"example.com/dedicated=x:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"}, true},
		{"removes on recovery", []v1.Taint{unreachable, foreign}, nil, []string{"example.com/dedicated=x:NoSchedule"}, true},
		{"kept as is", []v1.Taint{unreachable}, []v1.Taint{{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute}},
			[]string{"node.kubernetes.io/unreachable:NoExecute"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := reconcileTaints(tt.current, tt.desired, now)
			if changed != tt.wantChanged {
				t.Errorf("changed = %v", changed)
			}
			gs := taintStrings(got)
			if len(gs) == 0 {
				gs = nil
			}
			if !slices.Equal(gs, tt.want) {
				t.Errorf("got %v, want %v", gs, tt.want)
			}
			for _, taint := range got {
				if taint.Effect == v1.TaintEffectNoExecute && taint.TimeAdded == nil {
					t.Errorf("NoExecute taint %s without TimeAdded", taint.ToString())
				}
			}
		})
	}
}

func TestMarkUnknown(t *testing.T) {
	now := metav1.NewTime(t0)
	created := metav1.NewTime(t0.Add(-time.Hour))
	status := v1.NodeStatus{Conditions: []v1.NodeCondition{
		{Type: v1.NodeReady, Status: v1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: created},
		{Type: v1.NodeMemoryPressure, Status: v1.ConditionUnknown, Reason: reasonStatusUnknown},
	}}
	if !markUnknown(&status, created, now) {
		t.Fatal("no change")
	}
	ready := findCondition(status.Conditions, v1.NodeReady)
	if ready.Status != v1.ConditionUnknown || ready.Reason != "NodeStatusUnknown" || ready.Message != "Kubelet stopped posting node status." ||
		!ready.LastTransitionTime.Equal(&now) || !ready.LastHeartbeatTime.Equal(&created) {
		t.Errorf("ready = %+v", ready)
	}
	disk := findCondition(status.Conditions, v1.NodeDiskPressure)
	if disk == nil || disk.Status != v1.ConditionUnknown || disk.Reason != "NodeStatusNeverUpdated" {
		t.Errorf("disk = %+v", disk)
	}
	if findCondition(status.Conditions, v1.NodePIDPressure) == nil {
		t.Error("no PIDPressure condition")
	}
	if markUnknown(&status, created, now) {
		t.Error("second call changed again")
	}
}

func TestObserve(t *testing.T) {
	renew := metav1.NewMicroTime(t0)
	lease := &coordv1.Lease{Spec: coordv1.LeaseSpec{RenewTime: &renew}}
	node := nodeWith(v1.ConditionTrue)
	h := observe(nil, heartbeatOf(node, lease), t0)
	if !h.probe.Equal(t0) {
		t.Fatalf("first probe %v", h.probe)
	}
	h = observe(&h, heartbeatOf(node, lease), t0.Add(10*time.Second))
	if !h.probe.Equal(t0) {
		t.Errorf("unchanged heartbeat moved probe to %v", h.probe)
	}
	renewed := metav1.NewMicroTime(t0.Add(5 * time.Second))
	lease.Spec.RenewTime = &renewed
	h = observe(&h, heartbeatOf(node, lease), t0.Add(20*time.Second))
	if !h.probe.Equal(t0.Add(20 * time.Second)) {
		t.Errorf("renewal did not move probe: %v", h.probe)
	}
	if got := silentFor(nodeWith(""), 50*time.Second, 60*time.Second); got != 60*time.Second {
		t.Errorf("startup grace = %v", got)
	}
	if got := silentFor(node, 50*time.Second, 60*time.Second); got != 50*time.Second {
		t.Errorf("grace = %v", got)
	}
}

func TestDecideEviction(t *testing.T) {
	added := metav1.NewTime(t0)
	unreachable := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoExecute, TimeAdded: &added}
	noSchedule := v1.Taint{Key: v1.TaintNodeUnreachable, Effect: v1.TaintEffectNoSchedule}
	tol := func(seconds *int64) v1.Toleration {
		return v1.Toleration{Key: v1.TaintNodeUnreachable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: seconds}
	}
	tests := []struct {
		name   string
		tols   []v1.Toleration
		taints []v1.Taint
		now    time.Duration
		want   evictionVerdict
	}{
		{"no taints", nil, nil, 0, evictionVerdict{}},
		{"NoSchedule only", nil, []v1.Taint{noSchedule}, 0, evictionVerdict{}},
		{"not tolerated", nil, []v1.Taint{unreachable}, 0, evictionVerdict{evict: true}},
		{"tolerated forever", []v1.Toleration{tol(nil)}, []v1.Taint{unreachable}, time.Hour, evictionVerdict{}},
		{"tolerated for a while", []v1.Toleration{tol(secs(30))}, []v1.Taint{unreachable}, 10 * time.Second, evictionVerdict{at: t0.Add(30 * time.Second)}},
		{"toleration ran out", []v1.Toleration{tol(secs(30))}, []v1.Taint{unreachable}, 30 * time.Second, evictionVerdict{evict: true}},
		{"shortest wins", []v1.Toleration{tol(nil), tol(secs(60)), tol(secs(20))}, []v1.Taint{unreachable}, 0, evictionVerdict{at: t0.Add(20 * time.Second)}},
		{"negative is now", []v1.Toleration{tol(secs(-5))}, []v1.Taint{unreachable}, 0, evictionVerdict{evict: true}},
		{"one of two taints untolerated", []v1.Toleration{tol(nil)},
			[]v1.Taint{unreachable, {Key: "example.com/x", Effect: v1.TaintEffectNoExecute}}, 0, evictionVerdict{evict: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &v1.Pod{Spec: v1.PodSpec{Tolerations: tt.tols}}
			got := decideEviction(pod, tt.taints, func(v1.Taint) time.Time { return t0 }, t0.Add(tt.now))
			if got.evict != tt.want.evict || !got.at.Equal(tt.want.at) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMarkPodNotReady(t *testing.T) {
	now := metav1.NewTime(t0)
	status := v1.PodStatus{Conditions: []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue}}}
	if !markPodNotReady(&status, now) || status.Conditions[0].Status != v1.ConditionFalse {
		t.Fatalf("not marked: %+v", status)
	}
	if markPodNotReady(&status, now) {
		t.Error("marked twice")
	}
	if markPodNotReady(&v1.PodStatus{}, now) {
		t.Error("pod without Ready condition changed")
	}
}
