package deployment

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func rolling(replicas int32, surge, unavailable intstr.IntOrString) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", UID: "d-uid", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "d"}},
			Template: v1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "d"}},
				Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "img:1"}}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
			},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
		},
	}
}

func rs(name string, spec, available int32, age time.Duration) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), CreationTimestamp: metav1.NewTime(t0.Add(-age)), Annotations: map[string]string{}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To(spec)},
		Status:     appsv1.ReplicaSetStatus{Replicas: spec, ReadyReplicas: available, AvailableReplicas: available},
	}
}

func TestResolveFenceposts(t *testing.T) {
	tests := []struct {
		surge, unavailable intstr.IntOrString
		replicas           int32
		wantS, wantU       int32
	}{
		{intstr.FromString("25%"), intstr.FromString("25%"), 10, 3, 2}, // surge rounds up, unavailable down
		{intstr.FromString("25%"), intstr.FromString("25%"), 1, 1, 0},
		{intstr.FromInt32(0), intstr.FromInt32(0), 3, 0, 1}, // both zero would deadlock
		{intstr.FromInt32(2), intstr.FromString("50%"), 5, 2, 2},
		{intstr.FromString("100%"), intstr.FromString("0%"), 3, 3, 0},
		{intstr.FromString("25%"), intstr.FromString("25%"), 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s of %d", tt.surge.String(), tt.unavailable.String(), tt.replicas), func(t *testing.T) {
			s, u := resolveFenceposts(&tt.surge, &tt.unavailable, tt.replicas)
			if s != tt.wantS || u != tt.wantU {
				t.Errorf("got surge %d unavailable %d, want %d %d", s, u, tt.wantS, tt.wantU)
			}
		})
	}
}

func TestMaxUnavailableCapsAndRecreate(t *testing.T) {
	d := rolling(2, intstr.FromInt32(0), intstr.FromInt32(5))
	if got := maxUnavailable(d); got != 2 {
		t.Errorf("maxUnavailable %d, want capped at 2", got)
	}
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if maxUnavailable(d) != 0 || maxSurge(d) != 0 {
		t.Errorf("Recreate has no surge/unavailable")
	}
}

func TestNewRSReplicas(t *testing.T) {
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		old   []*appsv1.ReplicaSet
		newRS *appsv1.ReplicaSet
		want  int32
	}{
		{"surge 1 from full old", rolling(3, intstr.FromInt32(1), intstr.FromInt32(0)), []*appsv1.ReplicaSet{rs("old", 3, 3, time.Hour)}, rs("new", 0, 0, 0), 1},
		{"at surge limit", rolling(3, intstr.FromInt32(1), intstr.FromInt32(0)), []*appsv1.ReplicaSet{rs("old", 3, 3, time.Hour)}, rs("new", 1, 0, 0), 1},
		{"old shrunk, grow", rolling(3, intstr.FromInt32(1), intstr.FromInt32(0)), []*appsv1.ReplicaSet{rs("old", 1, 1, time.Hour)}, rs("new", 2, 2, 0), 3},
		{"never past replicas", rolling(3, intstr.FromInt32(10), intstr.FromInt32(0)), nil, rs("new", 0, 0, 0), 3},
		{"recreate takes all", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](4), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}, nil, rs("new", 0, 0, 0), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newRSReplicas(tt.d, withNew(tt.old, tt.newRS), tt.newRS); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOldScaleDowns(t *testing.T) {
	// replicas 10, surge 3, unavailable 2: minAvailable 8.
	d := rolling(10, intstr.FromString("25%"), intstr.FromString("25%"))
	t.Run("budget excludes unavailable new pods", func(t *testing.T) {
		newRS := rs("new", 3, 1, 0)
		old := []*appsv1.ReplicaSet{rs("old", 10, 10, time.Hour)}
		// 13 pods - 8 minAvailable - 2 new unavailable
		if got := oldScaleDownBudget(d, withNew(old, newRS), newRS); got != 3 {
			t.Errorf("budget %d, want 3", got)
		}
	})
	t.Run("unhealthy first, oldest first", func(t *testing.T) {
		old := []*appsv1.ReplicaSet{rs("newer", 4, 1, time.Minute), rs("older", 3, 2, time.Hour)}
		got := unhealthyScaleDowns(old, 3)
		if got["older"] != 2 || got["newer"] != 2 {
			t.Errorf("plan %v, want older->2 newer->2", got)
		}
	})
	t.Run("keep minAvailable", func(t *testing.T) {
		newRS := rs("new", 3, 3, 0)
		old := []*appsv1.ReplicaSet{rs("a", 5, 5, 2*time.Hour), rs("b", 5, 5, time.Hour)}
		// available 13 - minAvailable 8 = 5, all from the oldest.
		got := availableScaleDowns(d, withNew(old, newRS), old)
		if got["a"] != 0 || len(got) != 1 {
			t.Errorf("plan %v, want a->0 only", got)
		}
	})
	t.Run("nothing while at minAvailable", func(t *testing.T) {
		newRS := rs("new", 3, 0, 0)
		old := []*appsv1.ReplicaSet{rs("a", 8, 8, time.Hour)}
		if got := availableScaleDowns(d, withNew(old, newRS), old); len(got) != 0 {
			t.Errorf("plan %v, want none", got)
		}
	})
}

func TestProportionalSizes(t *testing.T) {
	annotated := func(r *appsv1.ReplicaSet, maxR int32) *appsv1.ReplicaSet {
		r.Annotations[MaxReplicasAnnotation] = strconv.Itoa(int(maxR))
		return r
	}
	tests := []struct {
		name string
		d    *appsv1.Deployment
		rss  []*appsv1.ReplicaSet
		want map[string]int32
	}{
		{
			// 10 -> 15 replicas with surge 3 (was 13 allowed, now 18 allowed).
			"scale up mid-rollout",
			rolling(15, intstr.FromInt32(3), intstr.FromInt32(2)),
			[]*appsv1.ReplicaSet{annotated(rs("old", 8, 8, time.Hour), 13), annotated(rs("new", 5, 0, 0), 13)},
			map[string]int32{"old": 11, "new": 7},
		},
		{
			"scale down mid-rollout",
			rolling(5, intstr.FromInt32(3), intstr.FromInt32(2)),
			[]*appsv1.ReplicaSet{annotated(rs("old", 8, 8, time.Hour), 13), annotated(rs("new", 5, 0, 0), 13)},
			map[string]int32{"old": 5, "new": 3},
		},
		{
			"to zero",
			rolling(0, intstr.FromInt32(1), intstr.FromInt32(0)),
			[]*appsv1.ReplicaSet{annotated(rs("old", 2, 2, time.Hour), 4), annotated(rs("new", 2, 0, 0), 4)},
			map[string]int32{"old": 0, "new": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := proportionalSizes(tt.d, tt.rss)
			var total int32
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s: got %d, want %d (all %v)", name, got[name], want, got)
				}
				total += got[name]
			}
			if allowed := replicasOf(tt.d) + maxSurge(tt.d); replicasOf(tt.d) > 0 && total != allowed {
				t.Errorf("total %d, want %d", total, allowed)
			}
		})
	}
}

func TestActiveOrLatest(t *testing.T) {
	a, b := rs("a", 0, 0, 2*time.Hour), rs("b", 0, 0, time.Hour)
	if got := activeOrLatest(nil, []*appsv1.ReplicaSet{a, b}); got != b {
		t.Errorf("none active: want the newest old, got %v", got.Name)
	}
	n := rs("n", 0, 0, 0)
	if got := activeOrLatest(n, []*appsv1.ReplicaSet{a, b}); got != n {
		t.Errorf("none active: want the new one")
	}
	c := rs("c", 2, 2, time.Hour)
	if got := activeOrLatest(n, []*appsv1.ReplicaSet{a, c}); got != c {
		t.Errorf("one active: want it")
	}
	if got := activeOrLatest(rs("n2", 1, 0, 0), []*appsv1.ReplicaSet{c}); got != nil {
		t.Errorf("two active: want nil")
	}
}

func TestComputeHash(t *testing.T) {
	d := rolling(1, intstr.FromInt32(1), intstr.FromInt32(0))
	h1 := computeHash(&d.Spec.Template, nil)
	if h1 != computeHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash not deterministic")
	}
	if strings.ContainsAny(h1, "aeiou013") {
		t.Errorf("hash %q uses characters SafeEncodeString avoids", h1)
	}
	other := d.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Image = "img:2"
	if computeHash(other, nil) == h1 {
		t.Error("different templates hash alike")
	}
	if computeHash(&d.Spec.Template, ptr.To[int32](1)) == h1 {
		t.Error("collisionCount does not change the hash")
	}
	if computeHash(&d.Spec.Template, ptr.To[int32](0)) == h1 {
		t.Error("collisionCount 0 must differ from nil, as upstream")
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	d := rolling(1, intstr.FromInt32(1), intstr.FromInt32(0))
	withHash := d.Spec.Template.DeepCopy()
	withHash.Labels[PodTemplateHashLabel] = "abc"
	if !equalIgnoreHash(&d.Spec.Template, withHash) {
		t.Error("hash label must be ignored")
	}
	withHash.Spec.Containers[0].Image = "x"
	if equalIgnoreHash(&d.Spec.Template, withHash) {
		t.Error("image change must count")
	}
}

func TestHistoryToDelete(t *testing.T) {
	rev := func(r *appsv1.ReplicaSet, n string) *appsv1.ReplicaSet {
		r.Annotations[RevisionAnnotation] = n
		return r
	}
	d := rolling(1, intstr.FromInt32(1), intstr.FromInt32(0))
	d.Spec.RevisionHistoryLimit = ptr.To[int32](2)
	old := []*appsv1.ReplicaSet{
		rev(rs("r5", 0, 0, time.Minute), "5"),
		rev(rs("r1", 0, 0, time.Hour), "1"),
		rev(rs("r3", 1, 1, time.Hour), "3"), // still has pods: kept
		rev(rs("r2", 0, 0, time.Hour), "2"),
		rev(rs("r4", 0, 0, time.Hour), "4"),
	}
	got := historyToDelete(d, old)
	var gotNames []string
	for _, r := range got {
		gotNames = append(gotNames, r.Name)
	}
	if strings.Join(gotNames, ",") != "r1,r2" {
		t.Errorf("got %v, want r1,r2 (r3 is not scaled down)", gotNames)
	}
	d.Spec.RevisionHistoryLimit = ptr.To[int32](0)
	if len(historyToDelete(d, old[:2])) != 2 {
		t.Error("limit 0 deletes every scaled-down old replica set")
	}
}

func TestRevisionAnnotations(t *testing.T) {
	d := rolling(3, intstr.FromInt32(1), intstr.FromInt32(0))
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "v2", v1.LastAppliedConfigAnnotation: "{}", RevisionAnnotation: "9"}
	r := rs("new", 0, 0, 0)
	if !setNewReplicaSetAnnotations(d, r, "1", false) {
		t.Fatal("no change reported")
	}
	want := map[string]string{"kubernetes.io/change-cause": "v2", RevisionAnnotation: "1", DesiredReplicasAnnotation: "3", MaxReplicasAnnotation: "4"}
	for k, v := range want {
		if r.Annotations[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Annotations[k], v)
		}
	}
	if _, ok := r.Annotations[v1.LastAppliedConfigAnnotation]; ok {
		t.Error("last-applied-configuration copied")
	}
	// Rollback to this ReplicaSet later: revision moves to 4, history keeps 1.
	setNewReplicaSetAnnotations(d, r, "4", true)
	if r.Annotations[RevisionAnnotation] != "4" || r.Annotations[RevisionHistoryAnnotation] != "1" {
		t.Errorf("after rollback %v", r.Annotations)
	}
	setNewReplicaSetAnnotations(d, r, "6", true)
	if r.Annotations[RevisionHistoryAnnotation] != "1,4" {
		t.Errorf("history %q", r.Annotations[RevisionHistoryAnnotation])
	}
	if setNewReplicaSetAnnotations(d, r, "5", true) {
		t.Error("a lower revision must not change anything")
	}
	long := strings.Repeat("1234567,", 250) + "1234567"
	if got := appendRevisionHistory(long, "99"); len(got) > maxRevisionHistoryChars || !strings.HasSuffix(got, ",99") {
		t.Errorf("history not trimmed: len %d", len(got))
	}
}

func TestRolloutStatusConditions(t *testing.T) {
	d := rolling(3, intstr.FromInt32(1), intstr.FromInt32(0))
	newRS := rs("new", 3, 3, 0)
	s := rolloutStatus(d, []*appsv1.ReplicaSet{newRS}, newRS, t0)
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.AvailableReplicas != 3 || s.UnavailableReplicas != 0 || s.ObservedGeneration != 1 {
		t.Errorf("status %+v", s)
	}
	p := getCondition(s, appsv1.DeploymentProgressing)
	if p == nil || p.Reason != ReasonNewReplicaSetAvailable || p.Message != `ReplicaSet "new" has successfully progressed.` {
		t.Errorf("Progressing %+v", p)
	}
	if a := getCondition(s, appsv1.DeploymentAvailable); a == nil || a.Status != v1.ConditionTrue || a.Reason != ReasonMinimumReplicasAvailable {
		t.Errorf("Available %+v", a)
	}

	// Mid-rollout with progress: ReplicaSetUpdated.
	old := rs("old", 3, 3, time.Hour)
	mid := rs("new", 1, 0, 0)
	d.Status = appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 0, AvailableReplicas: 3}
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, mid}, mid, t0)
	if p := getCondition(s, appsv1.DeploymentProgressing); p == nil || p.Reason != ReasonReplicaSetUpdated || p.Message != `ReplicaSet "new" is progressing.` {
		t.Errorf("Progressing %+v", p)
	}

	// No progress past the deadline: ProgressDeadlineExceeded.
	d.Status = s
	late := t0.Add(601 * time.Second)
	s = rolloutStatus(d, []*appsv1.ReplicaSet{old, mid}, mid, late)
	if p := getCondition(s, appsv1.DeploymentProgressing); p == nil || p.Status != v1.ConditionFalse || p.Reason != ReasonProgressDeadlineExceeded {
		t.Errorf("Progressing %+v", p)
	}
	if after := stuckRequeue(d, &d.Status, t0.Add(100*time.Second)); after < 500*time.Second || after > 502*time.Second {
		t.Errorf("requeue after %v, want about 501s", after)
	}

	// Not enough available: MinimumReplicasUnavailable.
	low := rs("new", 3, 1, 0)
	s = calculateStatus(d, []*appsv1.ReplicaSet{low}, low, t0)
	if a := getCondition(s, appsv1.DeploymentAvailable); a == nil || a.Status != v1.ConditionFalse || a.Reason != ReasonMinimumReplicasUnavailable {
		t.Errorf("Available %+v", a)
	}
	if s.UnavailableReplicas != 2 {
		t.Errorf("unavailable %d", s.UnavailableReplicas)
	}
}

func TestConditionsBookkeeping(t *testing.T) {
	var s appsv1.DeploymentStatus
	setCondition(&s, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewReplicaSetCreated, "a", t0))
	setCondition(&s, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonNewReplicaSetCreated, "b", t0.Add(time.Minute)))
	c := getCondition(s, appsv1.DeploymentProgressing)
	if c.Message != "a" || !c.LastUpdateTime.Time.Equal(t0) {
		t.Errorf("same status and reason must not touch the condition: %+v", c)
	}
	setCondition(&s, newCondition(appsv1.DeploymentProgressing, v1.ConditionTrue, ReasonReplicaSetUpdated, "c", t0.Add(time.Hour)))
	c = getCondition(s, appsv1.DeploymentProgressing)
	if c.Reason != ReasonReplicaSetUpdated || !c.LastTransitionTime.Time.Equal(t0) || !c.LastUpdateTime.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("same status keeps the transition time: %+v", c)
	}
	if len(s.Conditions) != 1 {
		t.Errorf("%d conditions", len(s.Conditions))
	}

	d := rolling(2, intstr.FromInt32(1), intstr.FromInt32(0))
	failing := rs("new", 2, 0, 0)
	failing.Status.Conditions = []appsv1.ReplicaSetCondition{{
		Type: appsv1.ReplicaSetReplicaFailure, Status: v1.ConditionTrue, Reason: "FailedCreate", Message: "pods is forbidden",
	}}
	s = rolloutStatus(d, []*appsv1.ReplicaSet{failing}, failing, t0)
	if f := getCondition(s, appsv1.DeploymentReplicaFailure); f == nil || f.Reason != "FailedCreate" || f.Message != "pods is forbidden" {
		t.Errorf("ReplicaFailure not surfaced: %+v", f)
	}
	d.Status = s
	healthy := rs("new", 2, 2, 0)
	if f := getCondition(rolloutStatus(d, []*appsv1.ReplicaSet{healthy}, healthy, t0), appsv1.DeploymentReplicaFailure); f != nil {
		t.Errorf("ReplicaFailure not cleared: %+v", f)
	}
}
