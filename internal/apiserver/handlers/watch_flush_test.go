package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// TestForwardEventsFlushesPerBurst checks that a serialized watch flushes
// once no further event is ready, at least every maxEventsPerFlush events,
// and before it ends.
func TestForwardEventsFlushesPerBurst(t *testing.T) {
	tests := []struct {
		name   string
		ready  int // events queued before forwarding starts
		closed bool
		want   string // s = send, f = flush
	}{
		{name: "one event, then quiet", ready: 1, want: "sf"},
		{name: "a burst goes out with one flush", ready: 3, want: "sssf"},
		{name: "a long burst flushes every maxEventsPerFlush", ready: maxEventsPerFlush + 2, want: strings.Repeat("s", maxEventsPerFlush) + "f" + "ssf"},
		{name: "the end of the events flushes what is left", ready: 2, closed: true, want: "ssf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := make(chan watch.Event, tt.ready)
			for i := range tt.ready {
				events <- watch.Event{Type: watch.Added, Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}}}
			}
			if tt.closed {
				close(events)
			}
			ctx, cancel := context.WithCancel(t.Context())
			var got strings.Builder
			done := make(chan error, 1)
			go func() {
				done <- forwardEvents(ctx, time.Minute, events,
					func(watch.Event) error { got.WriteString("s"); return nil },
					func() {
						got.WriteString("f")
						if got.Len() == len(tt.want) {
							cancel()
						}
					})
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("forwardEvents: %v", err)
				}
			case <-time.After(10 * time.Second):
				cancel()
				<-done
				t.Fatalf("forwardEvents did not end; calls so far %q", got.String())
			}
			if got.String() != tt.want {
				t.Errorf("calls = %q, want %q", got.String(), tt.want)
			}
		})
	}
}

// TestForwardEventsSpacesFlushes: events that trickle in faster than
// minFlushInterval share flushes, and the last of them is still flushed
// soon after without another event coming.
func TestForwardEventsSpacesFlushes(t *testing.T) {
	const n = 50
	events := make(chan watch.Event)
	var sends, flushes, sentAtFlush atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- forwardEvents(ctx, time.Minute, events,
			func(watch.Event) error { sends.Add(1); return nil },
			func() { flushes.Add(1); sentAtFlush.Store(sends.Load()) })
	}()
	for i := range n {
		events <- watch.Event{Type: watch.Added, Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}}}
		time.Sleep(100 * time.Microsecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for sentAtFlush.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the last events were never flushed: %d sent, %d flushed", sends.Load(), sentAtFlush.Load())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// One flush per event would be 50; a 100 µs trickle over 5 ms windows
	// takes a handful (a slow machine stretches the gaps, hence the slack).
	if got := flushes.Load(); got > n/2 {
		t.Errorf("%d flushes for %d trickling events", got, n)
	}
}
