package namespace

import (
	"errors"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

func condition(conds []v1.NamespaceCondition, t v1.NamespaceConditionType) v1.NamespaceCondition {
	for _, c := range conds {
		if c.Type == t {
			return c
		}
	}
	return v1.NamespaceCondition{}
}

func TestConditionsFor(t *testing.T) {
	type want struct {
		status  v1.ConditionStatus
		reason  string
		message string
	}
	tests := []struct {
		name string
		rep  report
		want map[v1.NamespaceConditionType]want
	}{
		{
			name: "all well",
			rep:  report{},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceDeletionDiscoveryFailure: {v1.ConditionFalse, "ResourcesDiscovered", "All resources successfully discovered"},
				v1.NamespaceDeletionGVParsingFailure: {v1.ConditionFalse, "ParsedGroupVersions", "All legacy kube types successfully parsed"},
				v1.NamespaceDeletionContentFailure:   {v1.ConditionFalse, "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
				v1.NamespaceContentRemaining:         {v1.ConditionFalse, "ContentRemoved", "All content successfully removed"},
				v1.NamespaceFinalizersRemaining:      {v1.ConditionFalse, "ContentHasNoFinalizers", "All content-preserving finalizers finished"},
			},
		},
		{
			name: "partial discovery",
			rep: report{DiscoveryErr: &discovery.ErrGroupDiscoveryFailed{Groups: map[schema.GroupVersion]error{
				{Group: "metrics.k8s.io", Version: "v1beta1"}: errors.New("boom"),
			}}},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceDeletionDiscoveryFailure: {v1.ConditionTrue, "DiscoveryFailed",
					"Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: boom"},
			},
		},
		{
			name: "discovery down",
			rep:  report{DiscoveryErr: errors.New("connection refused")},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceDeletionDiscoveryFailure: {v1.ConditionTrue, "DiscoveryFailed", "connection refused"},
			},
		},
		{
			name: "bad group version",
			rep:  report{GroupVersionErr: errors.New(`parse group version "a/b/c": bad`)},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceDeletionGVParsingFailure: {v1.ConditionTrue, "GroupVersionParsingFailed", `parse group version "a/b/c": bad`},
			},
		},
		{
			name: "content errors sorted",
			rep:  report{ContentErrs: []error{errors.New("z failed"), errors.New("a failed")}},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceDeletionContentFailure: {v1.ConditionTrue, "ContentDeletionFailed", "Failed to delete all resource types, 2 remaining: a failed, z failed"},
				v1.NamespaceContentRemaining:       {v1.ConditionFalse, "ContentRemoved", "All content successfully removed"},
			},
		},
		{
			name: "remaining content and finalizers",
			rep: report{
				Remaining: map[schema.GroupVersionResource]int{
					{Group: "example.com", Version: "v1", Resource: "widgets"}: 1,
					{Version: "v1", Resource: "pods"}:                          2,
					{Version: "v1", Resource: "secrets"}:                       0,
				},
				Finalizers: map[string]int{"example.com/keep": 1, "a/b": 2},
			},
			want: map[v1.NamespaceConditionType]want{
				v1.NamespaceContentRemaining: {v1.ConditionTrue, "SomeResourcesRemain",
					"Some resources are remaining: pods. has 2 resource instances, widgets.example.com has 1 resource instances"},
				v1.NamespaceFinalizersRemaining: {v1.ConditionTrue, "SomeFinalizersRemain",
					"Some content in the namespace has finalizers remaining: a/b in 2 resource instances, example.com/keep in 1 resource instances"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := conditionsFor(tt.rep)
			if len(got) != len(conditionTypes) {
				t.Fatalf("got %d conditions, want %d", len(got), len(conditionTypes))
			}
			for i, c := range got {
				if c.Type != conditionTypes[i] {
					t.Errorf("condition %d is %s, want %s", i, c.Type, conditionTypes[i])
				}
				if !c.LastTransitionTime.IsZero() {
					t.Errorf("%s has a transition time; merging sets it", c.Type)
				}
			}
			for typ, w := range tt.want {
				c := condition(got, typ)
				if c.Status != w.status || c.Reason != w.reason || c.Message != w.message {
					t.Errorf("%s = %s/%s/%q, want %s/%s/%q", typ, c.Status, c.Reason, c.Message, w.status, w.reason, w.message)
				}
			}
		})
	}
}

func TestMergeConditions(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := metav1.NewTime(t0.Add(time.Hour))
	other := v1.NamespaceCondition{Type: "SomethingElse", Status: v1.ConditionTrue, LastTransitionTime: t0}
	failing := v1.NamespaceCondition{Type: v1.NamespaceContentRemaining, Status: v1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "old", LastTransitionTime: t0}

	t.Run("adds missing conditions with now", func(t *testing.T) {
		got, changed := mergeConditions([]v1.NamespaceCondition{other}, conditionsFor(report{}), now)
		if !changed || len(got) != 1+len(conditionTypes) {
			t.Fatalf("changed=%v len=%d", changed, len(got))
		}
		if got[0] != other {
			t.Errorf("other condition changed: %+v", got[0])
		}
		for _, c := range got[1:] {
			if !c.LastTransitionTime.Equal(&now) {
				t.Errorf("%s time %v, want %v", c.Type, c.LastTransitionTime, now)
			}
		}
	})
	t.Run("status flip sets time", func(t *testing.T) {
		got, changed := mergeConditions([]v1.NamespaceCondition{failing}, conditionsFor(report{}), now)
		c := condition(got, v1.NamespaceContentRemaining)
		if !changed || c.Status != v1.ConditionFalse || !c.LastTransitionTime.Equal(&now) || c.Reason != "ContentRemoved" {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("message change keeps time", func(t *testing.T) {
		rep := report{Remaining: map[schema.GroupVersionResource]int{{Version: "v1", Resource: "pods"}: 1}}
		got, changed := mergeConditions([]v1.NamespaceCondition{failing}, conditionsFor(rep), now)
		c := condition(got, v1.NamespaceContentRemaining)
		if !changed || c.Message == "old" || !c.LastTransitionTime.Equal(&t0) {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("no change", func(t *testing.T) {
		first, _ := mergeConditions(nil, conditionsFor(report{}), t0)
		got, changed := mergeConditions(first, conditionsFor(report{}), now)
		if changed {
			t.Fatal("reported a change")
		}
		for _, c := range got {
			if !c.LastTransitionTime.Equal(&t0) {
				t.Errorf("%s time moved", c.Type)
			}
		}
	})
	t.Run("does not modify its input", func(t *testing.T) {
		in := []v1.NamespaceCondition{failing}
		mergeConditions(in, conditionsFor(report{}), now)
		if in[0] != failing {
			t.Fatalf("input modified: %+v", in[0])
		}
	})
}
