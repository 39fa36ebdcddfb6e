package inprocess

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// TestMetadataWatch: events come out with their metadata wrapped, error
// events as they are, and a stopped watch delivers nothing more and ends
// even though nobody reads it.
func TestMetadataWatch(t *testing.T) {
	inner := watch.NewFakeWithChanSize(3, false)
	w := newMetadataWatch(inner)
	inner.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"}, ResourceVersion: "5"}})
	inner.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 410})
	ev := <-w.ResultChan()
	p, ok := ev.Object.(*metav1.PartialObjectMetadata)
	if ev.Type != watch.Added || !ok || p.Name != "p" || p.Labels["a"] != "b" || p.ResourceVersion != "5" || p.Kind != "PartialObjectMetadata" {
		t.Fatalf("got %s %#v", ev.Type, ev.Object)
	}
	if ev := <-w.ResultChan(); ev.Type != watch.Error {
		t.Fatalf("got %s, want the error event as it was", ev.Type)
	}

	inner.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "unread"}})
	time.Sleep(50 * time.Millisecond) // the event waits to be read
	w.Stop()
	time.Sleep(100 * time.Millisecond) // the watch sees the stop before anyone reads
	select {
	case ev, ok := <-w.ResultChan():
		if ok {
			t.Fatalf("a stopped watch delivered %s %#v", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stopped watch did not end")
	}
}
