package cacher

import (
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// element is one cached object under its storage key. Selector attributes
// are not stored: they are computed when a predicate needs them (see
// attrMemo), which keeps the cache's footprint per object small.
type element struct {
	key string
	obj runtime.Object
}

// event is one change as the cache saw it, with the object's previous state
// so watchers with selectors can tell objects entering and leaving.
type event struct {
	typ watch.EventType // Added, Modified or Deleted
	rev int64
	at  int64    // when the cache saw it, in Unix nanoseconds
	cur *element // for Deleted: the last state, at the deletion revision
	// prev is the state before a Modified event; nil for Added and Deleted
	// (a Deleted event's cur already is the last state).
	prev *element

	prevAtRevOnce sync.Once
	prevAtRev     runtime.Object
}

// eventBuffer keeps recent events in revision order. Every event after
// startRev is in it, so a watch from any revision >= startRev can be
// replayed.
type eventBuffer struct {
	events    []*event
	startRev  int64
	capacity  int
	maxCap    int
	freshness time.Duration
}

func newEventBuffer(capacity int, freshness time.Duration) *eventBuffer {
	return &eventBuffer{capacity: capacity, maxCap: 10 * capacity, freshness: freshness}
}

// reset empties the buffer: history starts at rev.
func (b *eventBuffer) reset(rev int64) {
	b.events = nil
	b.startRev = rev
}

// add appends e and drops the oldest events beyond capacity that are no
// longer fresh (or beyond the hard maximum).
func (b *eventBuffer) add(e *event) {
	b.events = append(b.events, e)
	for len(b.events) > b.capacity {
		oldest := b.events[0]
		if len(b.events) <= b.maxCap && time.Duration(e.at-oldest.at) < b.freshness {
			break
		}
		b.startRev = oldest.rev
		b.events[0] = nil
		b.events = b.events[1:]
	}
}

// since returns the events after rev (rev must be >= startRev).
func (b *eventBuffer) since(rev int64) []*event {
	i := sort.Search(len(b.events), func(i int) bool { return b.events[i].rev > rev })
	out := make([]*event, len(b.events)-i)
	copy(out, b.events[i:])
	return out
}
