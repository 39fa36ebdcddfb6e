package cacher

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/storagetest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

func moveToNode(t testing.TB, s storage.Interface, ns, name, node string) *corev1.Pod {
	t.Helper()
	out := &corev1.Pod{}
	err := s.GuaranteedUpdate(context.Background(), storagetest.PodKey(ns, name), out, false, nil,
		func(cur runtime.Object) (runtime.Object, error) {
			pod := cur.(*corev1.Pod)
			pod.Spec.NodeName = node
			return pod, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCacherFieldSelectors checks transition semantics for field-selector
// watchers and that an event handed to many of them computes the selector
// attributes once per side, while label-only watchers never need them.
func TestCacherFieldSelectors(t *testing.T) {
	var attrCalls atomic.Int64
	f := startCacher(t, storagetest.Options{}, func(cfg *Config) {
		cfg.Attrs = func(obj runtime.Object) (labels.Set, fields.Set, error) {
			attrCalls.Add(1)
			return storagetest.PodAttrs(obj)
		}
	})
	ctx := storagetest.Context(t)
	pred := storage.SelectionPredicate{
		Label:    labels.Everything(),
		Field:    fields.OneTermEqualSelector("spec.nodeName", "n1"),
		GetAttrs: storagetest.PodAttrs,
	}
	const fieldWatchers, labelWatchers = 10, 5
	var fws []watch.Interface
	for range fieldWatchers {
		w, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0", Predicate: pred})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		fws = append(fws, w)
	}
	var lws []watch.Interface
	for range labelWatchers {
		w, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0",
			Predicate: labelPred(t, "v=1")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		lws = append(lws, w)
	}

	created := storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "p", map[string]string{"v": "1"}))
	for _, w := range lws {
		checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Added, "p", "1"})
	}
	onN1 := moveToNode(t, f.store, "ns", "p", "n1")
	onN2 := moveToNode(t, f.store, "ns", "p", "n2")
	if err := f.store.Delete(ctx, storagetest.PodKey("ns", "p"), &corev1.Pod{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i, w := range fws {
		ev := storagetest.NextEvent(t, w)
		if ev.Type != watch.Added || rvOf(t, ev.Object) != rvOf(t, onN1) {
			t.Fatalf("watcher %d: got %s at %d, want ADDED at %d", i, ev.Type, rvOf(t, ev.Object), rvOf(t, onN1))
		}
		ev = storagetest.NextEvent(t, w)
		pod, _ := ev.Object.(*corev1.Pod)
		if ev.Type != watch.Deleted || pod == nil || pod.Spec.NodeName != "n1" || rvOf(t, pod) != rvOf(t, onN2) {
			t.Fatalf("watcher %d: got %s %+v, want DELETED on n1 at %d", i, ev.Type, pod, rvOf(t, onN2))
		}
		storagetest.ExpectNoEvent(t, w, 50*time.Millisecond)
	}
	for _, w := range lws {
		checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Modified, "p", "1"})
		checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Modified, "p", "1"})
		checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Deleted, "p", "1"})
	}
	// create: cur; two updates: cur and prev; delete: the last state.
	if got, want := attrCalls.Load(), int64(1+2+2+1); got != want {
		t.Errorf("Attrs called %d times for %d field watchers, want %d", got, fieldWatchers, want)
	}

	// A watch resuming from before the changes replays them the same way.
	w, err := f.cacher.Watch(ctx, "/registry/pods", storage.ListOptions{Recursive: true,
		ResourceVersion: created.ResourceVersion, Predicate: pred})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if ev := storagetest.NextEvent(t, w); ev.Type != watch.Added || rvOf(t, ev.Object) != rvOf(t, onN1) {
		t.Fatalf("replay: got %s at %d, want ADDED at %d", ev.Type, rvOf(t, ev.Object), rvOf(t, onN1))
	}
	if ev := storagetest.NextEvent(t, w); ev.Type != watch.Deleted || rvOf(t, ev.Object) != rvOf(t, onN2) {
		t.Fatalf("replay: got %s at %d, want DELETED at %d", ev.Type, rvOf(t, ev.Object), rvOf(t, onN2))
	}
	storagetest.ExpectNoEvent(t, w, 50*time.Millisecond)

	// Lists with a field selector compute attributes; label-only ones do not.
	storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "a", map[string]string{"v": "1"}))
	moveToNode(t, f.store, "ns", "a", "n1")
	storagetest.CreatePod(t, f.store, storagetest.NewPod("ns", "b", map[string]string{"v": "2"}))
	waitCached(t, f.cacher, 2)
	before := attrCalls.Load()
	list := &corev1.PodList{}
	if err := f.cacher.GetList(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0",
		Predicate: labelPred(t, "v=2")}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "b" || attrCalls.Load() != before {
		t.Fatalf("label list: got %d items, Attrs calls %d", len(list.Items), attrCalls.Load()-before)
	}
	if err := f.cacher.GetList(ctx, "/registry/pods", storage.ListOptions{Recursive: true, ResourceVersion: "0",
		Predicate: pred}, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "a" {
		t.Fatalf("field list: got %+v", list.Items)
	}
}
