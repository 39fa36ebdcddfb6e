package server

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// TestEventsExpire checks that Events, which are kept in etcd only (no
// watch cache), are listed and watched through both APIs and disappear
// after --event-ttl, with a DELETED watch event.
func TestEventsExpire(t *testing.T) {
	r := startServer(t, Config{DataDir: t.TempDir(), EventTTL: 2 * time.Second})
	client := kubeconfigClient(t, r.srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	w, err := client.CoreV1().Events("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	now := metav1.Now()
	core := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "core-event", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
		Reason:         "Tested", Message: "from core/v1", Type: corev1.EventTypeNormal,
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		Source: corev1.EventSource{Component: "test"},
	}
	if _, err := client.CoreV1().Events("default").Create(ctx, core, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "events-event", Namespace: "default"},
		EventTime:  metav1.NewMicroTime(time.Now()),
		Regarding:  corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
		Reason:     "Tested", Note: "from events.k8s.io/v1", Type: corev1.EventTypeNormal,
		Action: "Testing", ReportingController: "nauta.io/test", ReportingInstance: "test-1",
	}
	if _, err := client.EventsV1().Events("default").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	for _, list := range []func() (int, error){
		func() (int, error) {
			l, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
		func() (int, error) {
			l, err := client.EventsV1().Events("default").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			return len(l.Items), err
		},
	} {
		if n, err := list(); err != nil || n != 2 {
			t.Fatalf("listed %d events (%v), want 2", n, err)
		}
	}

	// A watch-list (what informers do) gets both, then the bookmark that
	// ends the initial events, through either API.
	yes := true
	watchList := metav1.ListOptions{
		SendInitialEvents: &yes, AllowWatchBookmarks: true,
		ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
	}
	for api, start := range map[string]func() (watch.Interface, error){
		"core/v1":          func() (watch.Interface, error) { return client.CoreV1().Events("default").Watch(ctx, watchList) },
		"events.k8s.io/v1": func() (watch.Interface, error) { return client.EventsV1().Events("default").Watch(ctx, watchList) },
	} {
		wl, err := start()
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		initial := 0
		for e := range wl.ResultChan() {
			if e.Type == watch.Added {
				initial++
				continue
			}
			if m, err := meta.Accessor(e.Object); err == nil && e.Type == watch.Bookmark && m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
				break
			}
			t.Fatalf("%s: watch-list sent %s before the end of its initial events", api, e.Type)
		}
		wl.Stop()
		if initial != 2 {
			t.Fatalf("%s: watch-list sent %d initial events, want 2", api, initial)
		}
	}

	seen := map[watch.EventType]int{}
	for seen[watch.Deleted] < 2 {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %v", seen)
			}
			seen[e.Type]++
		case <-ctx.Done():
			t.Fatalf("events not deleted within a minute of a 2 s TTL; watch saw %v", seen)
		}
	}
	if seen[watch.Added] != 2 {
		t.Errorf("watch saw %v, want 2 ADDED before the 2 DELETED", seen)
	}
	if _, err := client.CoreV1().Events("default").Get(ctx, "core-event", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get of an expired event: %v, want NotFound", err)
	}
}
