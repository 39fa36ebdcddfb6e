package storagetest

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// NextEvent returns the next event of w or fails after a timeout.
func NextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed while waiting for an event")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no watch event in 10s")
	}
	return watch.Event{}
}

// ExpectNoEvent fails if w delivers an event or closes within d.
func ExpectNoEvent(t testing.TB, w watch.Interface, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if ok {
			t.Fatalf("unexpected event %s %#v", ev.Type, ev.Object)
		}
		t.Fatalf("watch closed unexpectedly")
	case <-time.After(d):
	}
}
