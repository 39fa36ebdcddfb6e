package storage

import (
	"context"
	"fmt"
	"github.com/nauta/nauta/internal/storage/storagetest"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

type wantEvent struct {
	typ   watch.EventType
	name  string
	label string // value of label "v" in the object
}

func checkEvent(t *testing.T, ev watch.Event, want wantEvent) {
	t.Helper()
	pod, ok := ev.Object.(*corev1.Pod)
	if ev.Type != want.typ || !ok || pod.Name != want.name || pod.Labels["v"] != want.label {
		t.Fatalf("got %s %#v, want %+v", ev.Type, ev.Object, want)
	}
}

func TestWatchTransitions(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	start := mustGetRV(t, s, ctx)

	w, err := s.Watch(ctx, "/registry/pods", ListOptions{
		ResourceVersion: strconv.FormatInt(start, 10),
		Recursive:       true,
		Predicate:       labelPred(t, "app=web"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	update := func(app, v string) {
		t.Helper()
		err := s.GuaranteedUpdate(ctx, storagetest.PodKey("ns", "p"), &corev1.Pod{}, false, nil, func(cur kruntime.Object) (kruntime.Object, error) {
			pod := cur.(*corev1.Pod)
			pod.Labels = map[string]string{"app": app, "v": v}
			return pod, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "p", map[string]string{"app": "db", "v": "0"})) // not selected
	update("web", "1")                                                                                   // enters the selection
	update("web", "2")                                                                                   // stays
	update("db", "3")                                                                                    // leaves
	update("db", "4")                                                                                    // stays out
	update("web", "5")                                                                                   // enters again
	storagetest.CreatePod(t, s, storagetest.NewPod("other", "q", map[string]string{"app": "web", "v": "q"}))
	del := &corev1.Pod{}
	if err := s.Delete(ctx, storagetest.PodKey("ns", "p"), del, nil, nil); err != nil {
		t.Fatal(err)
	}

	for _, want := range []wantEvent{
		{watch.Added, "p", "1"},
		{watch.Modified, "p", "2"},
		{watch.Deleted, "p", "2"}, // the last state that matched
		{watch.Added, "p", "5"},
		{watch.Added, "q", "q"},
		{watch.Deleted, "p", "5"},
	} {
		ev := storagetest.NextEvent(t, w)
		checkEvent(t, ev, want)
		if want.typ == watch.Deleted && want.label == "5" && rvOf(t, ev.Object) != rvOf(t, del) {
			t.Fatalf("DELETED rv %d, want deletion revision %d", rvOf(t, ev.Object), rvOf(t, del))
		}
	}
	storagetest.ExpectNoEvent(t, w, 200*time.Millisecond)
}

func TestWatchInitialStateAndSingleKey(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	yes := true
	newFunc := func() kruntime.Object { return &corev1.Pod{} }

	tests := []struct {
		name string
		// key is relative to the case's namespace prefix.
		key  string
		opts ListOptions
		want []wantEvent
		// wantBookmark expects the initial-events-end bookmark after the
		// initial events.
		wantBookmark bool
	}{
		{name: "rv empty lists first", opts: ListOptions{Recursive: true},
			want: []wantEvent{{watch.Added, "a", "a"}, {watch.Added, "b", "b"}, {watch.Modified, "b", "b2"}}},
		{name: "rv 0 lists first", opts: ListOptions{Recursive: true, ResourceVersion: "0"},
			want: []wantEvent{{watch.Added, "a", "a"}, {watch.Added, "b", "b"}, {watch.Modified, "b", "b2"}}},
		{name: "single key", key: "b", opts: ListOptions{},
			want: []wantEvent{{watch.Added, "b", "b"}, {watch.Modified, "b", "b2"}}},
		{name: "send initial events", wantBookmark: true,
			opts: ListOptions{Recursive: true, SendInitialEvents: &yes, NewFunc: newFunc},
			want: []wantEvent{{watch.Added, "a", "a"}, {watch.Added, "b", "b"}, {watch.Modified, "b", "b2"}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := fmt.Sprintf("ns%d", i)
			storagetest.CreatePod(t, s, storagetest.NewPod(ns, "a", map[string]string{"v": "a"}))
			storagetest.CreatePod(t, s, storagetest.NewPod(ns, "b", map[string]string{"v": "b"}))
			w, err := s.Watch(ctx, "/registry/pods/"+ns+"/"+tt.key, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			initial := tt.want[:len(tt.want)-1]
			for _, want := range initial {
				checkEvent(t, storagetest.NextEvent(t, w), want)
			}
			if tt.wantBookmark {
				ev := storagetest.NextEvent(t, w)
				if ev.Type != watch.Bookmark {
					t.Fatalf("got %s, want BOOKMARK", ev.Type)
				}
				m := ev.Object.(*corev1.Pod)
				if m.Annotations[metav1.InitialEventsAnnotationKey] != "true" || m.ResourceVersion == "" {
					t.Fatalf("bookmark %+v", m.ObjectMeta)
				}
			}
			if err := s.GuaranteedUpdate(ctx, storagetest.PodKey(ns, "b"), &corev1.Pod{}, false, nil, setLabel("v", "b2")); err != nil {
				t.Fatal(err)
			}
			checkEvent(t, storagetest.NextEvent(t, w), tt.want[len(tt.want)-1])
			storagetest.ExpectNoEvent(t, w, 100*time.Millisecond)
		})
	}
}

func TestWatchCompacted(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	old := storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "b", nil))
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "c", nil))
	cur := mustGetRV(t, s, ctx)
	if _, err := s.client.Compact(ctx, cur); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch(ctx, "/registry/pods", ListOptions{Recursive: true, ResourceVersion: old.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev := storagetest.NextEvent(t, w)
	status, ok := ev.Object.(*metav1.Status)
	if ev.Type != watch.Error || !ok {
		t.Fatalf("got %s %#v, want ERROR", ev.Type, ev.Object)
	}
	wantMsg := fmt.Sprintf("too old resource version: %s (%d)", old.ResourceVersion, cur)
	if status.Code != http.StatusGone || status.Reason != metav1.StatusReasonExpired || status.Message != wantMsg {
		t.Fatalf("status = %+v, want 410 Expired %q", status, wantMsg)
	}
	if _, open := <-w.ResultChan(); open {
		t.Fatalf("watch not closed after the error")
	}
}

func TestWatchStops(t *testing.T) {
	s := newTestStore(t)
	for _, how := range []string{"stop", "context"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w, err := s.Watch(ctx, "/registry/pods", ListOptions{Recursive: true})
			if err != nil {
				t.Fatal(err)
			}
			storagetest.CreatePod(t, s, storagetest.NewPod("ns", how, nil))
			storagetest.NextEvent(t, w)
			if how == "stop" {
				w.Stop()
			} else {
				cancel()
			}
			deadline := time.After(5 * time.Second)
			for {
				select {
				case _, ok := <-w.ResultChan():
					if !ok {
						return
					}
				case <-deadline:
					t.Fatalf("result channel not closed")
				}
			}
		})
	}
}

func TestWatchProgressBookmarks(t *testing.T) {
	s := NewStore(startEtcdWithProgress(t, 100*time.Millisecond))
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))
	cur := mustGetRV(t, s, ctx)
	w, err := s.Watch(ctx, "/registry/pods", ListOptions{
		Recursive: true, ResourceVersion: strconv.FormatInt(cur, 10), AllowWatchBookmarks: true,
		NewFunc: func() kruntime.Object { return &corev1.Pod{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// A write elsewhere moves the revision; the progress notification tells.
	if _, err := s.client.Put(ctx, "/registry/configmaps/x", "y"); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Bookmark {
				t.Fatalf("got %s, want BOOKMARK", ev.Type)
			}
			if rvOf(t, ev.Object) > cur {
				return
			}
		case <-deadline:
			t.Fatalf("no bookmark past %d", cur)
		}
	}
}

func TestWatchNoGoroutineLeak(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "a", nil))
	// Warm up the client's watch stream machinery.
	w, err := s.Watch(ctx, "/registry/pods", ListOptions{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	storagetest.NextEvent(t, w)
	w.Stop()
	time.Sleep(200 * time.Millisecond)
	base := runtime.NumGoroutine()

	var ws []watch.Interface
	for i := 0; i < 50; i++ {
		w, err := s.Watch(ctx, "/registry/pods", ListOptions{Recursive: true})
		if err != nil {
			t.Fatal(err)
		}
		storagetest.NextEvent(t, w)
		ws = append(ws, w)
	}
	for _, w := range ws {
		w.Stop()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+5 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after stopping 50 watches, %d before", runtime.NumGoroutine(), base)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatchWithoutPrevious: a watch for a consumer that keeps the last
// states itself gets changes as usual and deletions by key and revision;
// a selector, which needs previous values, is refused.
func TestWatchWithoutPrevious(t *testing.T) {
	s := newTestStore(t)
	ctx := storagetest.Context(t)
	w, err := s.Watch(ctx, "/registry/pods/wp", ListOptions{Recursive: true, ResourceVersion: "1", WithoutPrevious: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	storagetest.CreatePod(t, s, storagetest.NewPod("wp", "a", map[string]string{"v": "a"}))
	checkEvent(t, storagetest.NextEvent(t, w), wantEvent{watch.Added, "a", "a"})
	if err := s.GuaranteedUpdate(ctx, storagetest.PodKey("wp", "a"), &corev1.Pod{}, false, nil, setLabel("v", "a2")); err != nil {
		t.Fatal(err)
	}
	updated := storagetest.NextEvent(t, w)
	checkEvent(t, updated, wantEvent{watch.Modified, "a", "a2"})
	if err := s.Delete(ctx, storagetest.PodKey("wp", "a"), &corev1.Pod{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	ev := storagetest.NextEvent(t, w)
	deleted, ok := ev.Object.(*DeletedKey)
	if ev.Type != watch.Deleted || !ok {
		t.Fatalf("got %s %T, want DELETED with the key", ev.Type, ev.Object)
	}
	updatedRV, err := ObjectResourceVersion(updated.Object)
	if err != nil {
		t.Fatal(err)
	}
	if deleted.Key != storagetest.PodKey("wp", "a") || deleted.Revision <= updatedRV {
		t.Errorf("deleted %+v, want key %s after revision %d", deleted, storagetest.PodKey("wp", "a"), updatedRV)
	}

	selected := ListOptions{Recursive: true, WithoutPrevious: true,
		Predicate: SelectionPredicate{Label: labels.SelectorFromSet(labels.Set{"v": "a"})}}
	if _, err := s.Watch(ctx, "/registry/pods/wp", selected); err == nil {
		t.Error("a watch with a selector and without previous values was accepted")
	}
}
