package namespace

import (
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func res(name string, namespaced bool, verbs ...string) metav1.APIResource {
	return metav1.APIResource{Name: name, Namespaced: namespaced, Verbs: verbs}
}

var allVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

func TestDeletionTargets(t *testing.T) {
	lists := []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			res("pods", true, allVerbs...),
			res("pods/log", true, "get"),
			res("pods/status", true, "get", "patch", "update"),
			res("bindings", true, "create"),
			res("namespaces", false, "create", "delete", "get", "list"),
			res("configmaps", true, allVerbs...),
			res("events", true, "delete", "list"),             // no deletecollection: delete one by one
			res("tokenreviewsish", true, "delete"),            // cannot be found: skipped
			res("listonly", true, "list", "deletecollection"), // cannot be deleted: skipped
			res("dropcollection", true, "delete", "deletecollection"),
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			res("deployments", true, allVerbs...),
			res("deployments/scale", true, "get", "update"),
		}},
		{GroupVersion: "not/a/groupversion", APIResources: []metav1.APIResource{res("things", true, allVerbs...)}},
		nil,
	}
	got, err := deletionTargets(lists)
	if err == nil || !strings.Contains(err.Error(), "not/a/groupversion") {
		t.Fatalf("want an error naming the bad group version, got %v", err)
	}
	want := []target{
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, DeleteCollection: true, List: true},
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "dropcollection"}, DeleteCollection: true},
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "events"}, List: true},
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, DeleteCollection: true, List: true},
		{GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, DeleteCollection: true, List: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d targets %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDeletionTargetsEmpty(t *testing.T) {
	got, err := deletionTargets(nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want nothing", got, err)
	}
}

func pod(phase v1.PodPhase, grace *int64) v1.Pod {
	return v1.Pod{Spec: v1.PodSpec{TerminationGracePeriodSeconds: grace}, Status: v1.PodStatus{Phase: phase}}
}

func TestPodGraceEstimate(t *testing.T) {
	deleted := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		pods []v1.Pod
		now  time.Time
		want int64
	}{
		{"no pods", nil, deleted, 0},
		{"longest grace wins", []v1.Pod{pod(v1.PodRunning, ptr.To[int64](30)), pod(v1.PodPending, ptr.To[int64](60))}, deleted.Add(time.Second), 60},
		{"finished pods do not count", []v1.Pod{pod(v1.PodSucceeded, ptr.To[int64](90)), pod(v1.PodFailed, ptr.To[int64](90)), pod(v1.PodRunning, ptr.To[int64](10))}, deleted, 10},
		{"no grace period set", []v1.Pod{pod(v1.PodRunning, nil)}, deleted, 0},
		{"grace period elapsed", []v1.Pod{pod(v1.PodRunning, ptr.To[int64](30))}, deleted.Add(30 * time.Second), 0},
		{"grace period not yet elapsed", []v1.Pod{pod(v1.PodRunning, ptr.To[int64](30))}, deleted.Add(29 * time.Second), 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podGraceEstimate(tt.pods, deleted, tt.now); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func item(name string, finalizers ...string) metav1.PartialObjectMetadata {
	return metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: finalizers}}
}

func TestAssessRemaining(t *testing.T) {
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	tests := []struct {
		name    string
		items   []metav1.PartialObjectMetadata
		grace   int64
		want    remaining
		wantErr bool
	}{
		{name: "nothing left", want: remaining{}},
		{name: "nothing left ignores grace", grace: 30, want: remaining{}},
		{name: "waiting on grace period", items: []metav1.PartialObjectMetadata{item("a"), item("b")}, grace: 30,
			want: remaining{Count: 2, Finalizers: map[string]int{}, Estimate: 30}},
		{name: "waiting on finalizers", items: []metav1.PartialObjectMetadata{item("a", "x/y"), item("b", "x/y", "z"), item("c")},
			want: remaining{Count: 3, Finalizers: map[string]int{"x/y": 2, "z": 1}, Estimate: finalizerEstimateSeconds}},
		{name: "leftovers without reason", items: []metav1.PartialObjectMetadata{item("a")},
			want: remaining{Count: 1, Finalizers: map[string]int{}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := assessRemaining(gvr, tt.items, tt.grace)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got.Count != tt.want.Count || got.Estimate != tt.want.Estimate || len(got.Finalizers) != len(tt.want.Finalizers) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for f, n := range tt.want.Finalizers {
				if got.Finalizers[f] != n {
					t.Errorf("finalizer %s: got %d, want %d", f, got.Finalizers[f], n)
				}
			}
		})
	}
}

func TestRequeueDelay(t *testing.T) {
	for estimate, want := range map[int64]time.Duration{1: time.Second, 15: 8 * time.Second, 30: 16 * time.Second} {
		if got := requeueDelay(estimate); got != want {
			t.Errorf("requeueDelay(%d) = %v, want %v", estimate, got, want)
		}
	}
}

func TestFinalizers(t *testing.T) {
	fs := []v1.FinalizerName{"a", v1.FinalizerKubernetes, "b"}
	if !hasFinalizer(fs, v1.FinalizerKubernetes) || hasFinalizer(fs, "c") {
		t.Fatal("hasFinalizer is wrong")
	}
	got := withoutFinalizer(fs, v1.FinalizerKubernetes)
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("withoutFinalizer = %v", got)
	}
	if got := withoutFinalizer(nil, v1.FinalizerKubernetes); got == nil || len(got) != 0 {
		t.Fatalf("withoutFinalizer(nil) = %#v, want an empty non-nil list", got)
	}
}
