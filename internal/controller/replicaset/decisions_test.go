package replicaset

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*v1.Pod)

func node(n string) podOpt        { return func(p *v1.Pod) { p.Spec.NodeName = n } }
func phase(ph v1.PodPhase) podOpt { return func(p *v1.Pod) { p.Status.Phase = ph } }
func created(ago time.Duration) podOpt {
	return func(p *v1.Pod) { p.CreationTimestamp = metav1.NewTime(t0.Add(-ago)) }
}
func readyFor(ago time.Duration) podOpt {
	return func(p *v1.Pod) {
		p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-ago))}}
	}
}
func restarts(n int32) podOpt {
	return func(p *v1.Pod) { p.Status.ContainerStatuses = []v1.ContainerStatus{{RestartCount: n}} }
}
func cost(c string) podOpt {
	return func(p *v1.Pod) { p.Annotations = map[string]string{PodDeletionCostAnnotation: c} }
}

func pod(name string, opts ...podOpt) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))}}
	p.Status.Phase = v1.PodRunning
	for _, o := range opts {
		o(p)
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

func TestRankForDeletion(t *testing.T) {
	tests := []struct {
		name string
		pods []*v1.Pod
		want []string
	}{
		{"unscheduled before scheduled", []*v1.Pod{pod("a", node("n1")), pod("b")}, []string{"b", "a"}},
		{"pending before unknown before running", []*v1.Pod{
			pod("run", node("n1"), phase(v1.PodRunning)), pod("unk", node("n2"), phase(v1.PodUnknown)), pod("pend", node("n3"), phase(v1.PodPending)),
		}, []string{"pend", "unk", "run"}},
		{"not ready before ready", []*v1.Pod{pod("r", node("n1"), readyFor(time.Hour)), pod("nr", node("n2"))}, []string{"nr", "r"}},
		{"lower deletion cost first", []*v1.Pod{pod("hi", node("n1"), cost("10")), pod("lo", node("n2"), cost("-5"))}, []string{"lo", "hi"}},
		{"doubled-up node first", []*v1.Pod{pod("alone", node("n1")), pod("pair1", node("n2")), pod("pair2", node("n2"))}, []string{"pair1", "pair2", "alone"}},
		{"ready more recently first", []*v1.Pod{
			pod("old", node("n1"), readyFor(10*time.Hour)), pod("new", node("n2"), readyFor(time.Minute)),
		}, []string{"new", "old"}},
		{"more restarts first", []*v1.Pod{pod("few", node("n1"), restarts(1)), pod("many", node("n2"), restarts(7))}, []string{"many", "few"}},
		{"newer before older", []*v1.Pod{pod("older", node("n1"), created(10*time.Hour)), pod("newer", node("n2"), created(time.Minute))}, []string{"newer", "older"}},
		{"similar ages tie, uid decides", []*v1.Pod{pod("b", node("n1"), created(70*time.Second)), pod("a", node("n2"), created(80*time.Second))}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names(rankForDeletion(tt.pods, nil, t0))
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestRankUsesRelatedPods(t *testing.T) {
	// A sibling ReplicaSet's pod on n1 makes n1 the crowded node.
	mine := []*v1.Pod{pod("a-on-n2", node("n2")), pod("b-on-n1", node("n1"))}
	related := append([]*v1.Pod{pod("sibling", node("n1"))}, mine...)
	if got := names(rankForDeletion(mine, related, t0)); got[0] != "b-on-n1" {
		t.Errorf("got %v, want b-on-n1 first", got)
	}
	if got := names(rankForDeletion(mine, nil, t0)); got[0] != "a-on-n2" {
		t.Errorf("without siblings got %v, want a-on-n2 first (uid order)", got)
	}
}

func TestPodsToDelete(t *testing.T) {
	pods := []*v1.Pod{pod("ready", node("n1"), readyFor(time.Hour)), pod("pending", phase(v1.PodPending)), pod("running", node("n2"))}
	got := names(podsToDelete(pods, nil, 2, t0))
	if len(got) != 2 || got[0] != "pending" || got[1] != "running" {
		t.Errorf("got %v", got)
	}
	if got := podsToDelete(pods, nil, 5, t0); len(got) != 3 {
		t.Errorf("asking for more than there are: got %d", len(got))
	}
}

func TestSlowStartBatch(t *testing.T) {
	boom := errors.New("quota exceeded")
	tests := []struct {
		name      string
		count     int
		failAfter int64 // calls that succeed before every call fails; -1 never fails
		wantOK    int
		wantCalls int64
		wantErr   bool
	}{
		{"all succeed", 10, -1, 10, 10, false},
		{"zero", 0, -1, 0, 0, false},
		{"first fails stops at once", 10, 0, 0, 1, true},
		{"fails in third batch", 10, 3, 3, 7, true}, // batches 1, 2, 4
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			ok, err := slowStartBatch(tt.count, 1, func() error {
				n := calls.Add(1)
				if tt.failAfter >= 0 && n > tt.failAfter {
					return boom
				}
				return nil
			})
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, boom)) {
				t.Fatalf("err = %v", err)
			}
			if ok != tt.wantOK || calls.Load() != tt.wantCalls {
				t.Errorf("successes %d calls %d, want %d %d", ok, calls.Load(), tt.wantOK, tt.wantCalls)
			}
		})
	}
}

func testRS(replicas int32, minReady int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "ns", UID: "rs-uid", Generation: 4},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptr.To(replicas),
			MinReadySeconds: minReady,
			Selector:        &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Template:        v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x", "tier": "web"}}},
		},
	}
}

func TestCalculateStatus(t *testing.T) {
	full := func(p *v1.Pod) { p.Labels = map[string]string{"app": "x", "tier": "web"} }
	partial := func(p *v1.Pod) { p.Labels = map[string]string{"app": "x"} }
	pods := []*v1.Pod{
		pod("a", full, readyFor(time.Minute)),
		pod("b", full, readyFor(5*time.Second)),
		pod("c", partial),
	}
	s := calculateStatus(testRS(3, 10), pods, nil, 0, t0)
	if s.Replicas != 3 || s.FullyLabeledReplicas != 2 || s.ReadyReplicas != 2 || s.AvailableReplicas != 1 || s.ObservedGeneration != 4 {
		t.Errorf("status %+v", s)
	}
	if len(s.Conditions) != 0 {
		t.Errorf("conditions %+v", s.Conditions)
	}

	failed := calculateStatus(testRS(3, 0), nil, errors.New("forbidden: exceeded quota"), -3, t0)
	c := findCondition(failed.Conditions, appsv1.ReplicaSetReplicaFailure)
	if c == nil || c.Status != v1.ConditionTrue || c.Reason != ReasonFailedCreate || c.Message != "forbidden: exceeded quota" {
		t.Fatalf("ReplicaFailure %+v", c)
	}
	rs := testRS(3, 0)
	rs.Status = failed
	if c := findCondition(calculateStatus(rs, nil, errors.New("x"), 2, t0).Conditions, appsv1.ReplicaSetReplicaFailure); c == nil || c.Reason != ReasonFailedCreate {
		t.Errorf("an existing failure condition is kept as is: %+v", c)
	}
	if c := findCondition(calculateStatus(rs, nil, nil, 0, t0).Conditions, appsv1.ReplicaSetReplicaFailure); c != nil {
		t.Errorf("condition not cleared after success: %+v", c)
	}
	if c := findCondition(calculateStatus(testRS(1, 0), nil, errors.New("x"), 2, t0).Conditions, appsv1.ReplicaSetReplicaFailure); c == nil || c.Reason != ReasonFailedDelete {
		t.Errorf("delete failure: %+v", c)
	}
}

func TestDecideClaim(t *testing.T) {
	now := metav1.NewTime(t0)
	rs := testRS(1, 0)
	deleting := testRS(1, 0)
	deleting.DeletionTimestamp = &now
	ours := func(p *v1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{UID: "rs-uid", Controller: ptr.To(true), Kind: "ReplicaSet", Name: "rs"}}
	}
	theirs := func(p *v1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{UID: "other", Controller: ptr.To(true), Kind: "ReplicaSet", Name: "x"}}
	}
	terminating := func(p *v1.Pod) { p.DeletionTimestamp = &now }
	tests := []struct {
		name    string
		rs      *appsv1.ReplicaSet
		pod     *v1.Pod
		matches bool
		want    claimDecision
	}{
		{"owned and matching", rs, pod("p", ours), true, claimKeep},
		{"owned, stopped matching", rs, pod("p", ours), false, claimRelease},
		{"owned, not matching, owner deleting", deleting, pod("p", ours), false, claimIgnore},
		{"orphan matching", rs, pod("p"), true, claimAdopt},
		{"orphan not matching", rs, pod("p"), false, claimIgnore},
		{"orphan matching, owner deleting", deleting, pod("p"), true, claimIgnore},
		{"orphan matching, pod terminating", rs, pod("p", terminating), true, claimIgnore},
		{"other controller's pod", rs, pod("p", theirs), true, claimIgnore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideClaim(tt.rs, tt.pod, tt.matches); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExpectations(t *testing.T) {
	now := t0
	e := newExpectations(func() time.Time { return now })
	if !e.satisfied("k") {
		t.Fatal("unknown key must be satisfied")
	}
	e.expectCreations("k", 2)
	if e.satisfied("k") {
		t.Fatal("pending creations")
	}
	e.creationObserved("k")
	e.creationObserved("k")
	if !e.satisfied("k") {
		t.Fatal("all creations observed")
	}
	e.expectDeletions("k", []types.UID{"a", "b"})
	e.deletionObserved("k", "a")
	e.deletionObserved("k", "a")
	if e.satisfied("k") {
		t.Fatal("b still pending; a seen twice counts once")
	}
	now = now.Add(expectationsTTL + time.Second)
	if !e.satisfied("k") {
		t.Fatal("expired expectations must be satisfied")
	}
	e.forget("k")
	if !e.satisfied("k") {
		t.Fatal("forgotten key")
	}
}

func TestRCToReplicaSet(t *testing.T) {
	tmpl := v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "legacy"}}}
	rc := &v1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "rc", UID: "u"},
		Spec:       v1.ReplicationControllerSpec{Replicas: ptr.To[int32](2), Template: &tmpl, MinReadySeconds: 3},
		Status: v1.ReplicationControllerStatus{Conditions: []v1.ReplicationControllerCondition{{
			Type: v1.ReplicationControllerReplicaFailure, Status: v1.ConditionTrue, Reason: "FailedCreate",
		}}},
	}
	rs := rcToReplicaSet(rc)
	if rs.Spec.Selector.MatchLabels["app"] != "legacy" || *rs.Spec.Replicas != 2 || rs.Spec.MinReadySeconds != 3 || rs.UID != "u" {
		t.Errorf("converted %+v", rs.Spec)
	}
	if c := findCondition(rs.Status.Conditions, appsv1.ReplicaSetReplicaFailure); c == nil || c.Reason != "FailedCreate" {
		t.Errorf("conditions %+v", rs.Status.Conditions)
	}
}

func TestPodFromTemplate(t *testing.T) {
	rs := testRS(1, 0)
	p := podFromTemplate(rs, "apps/v1", "ReplicaSet")
	if p.GenerateName != "rs-" || p.Namespace != "ns" || p.Labels["tier"] != "web" {
		t.Errorf("pod meta %+v", p.ObjectMeta)
	}
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.UID != "rs-uid" || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" || !*ref.BlockOwnerDeletion {
		t.Errorf("owner %+v", ref)
	}
	p.Labels["tier"] = "changed"
	if rs.Spec.Template.Labels["tier"] != "web" {
		t.Error("pod shares the template's label map")
	}
}
