package cacher

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nauta/nauta/internal/storage"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// cacheWatcher is one client watch served from the cache. The dispatcher
// (under Cacher.mu) pushes already-filtered events into input without ever
// blocking; the watcher's goroutine first sends the initial events, then
// forwards input to result.
type cacheWatcher struct {
	c         *Cacher
	id        int64
	scope     scope
	pred      storage.SelectionPredicate
	bookmarks bool

	// Set at registration, read only by run.
	initial      []*element // current state to send as ADDED
	initialEnd   bool       // then the initial-events-end bookmark
	initialRev   int64
	replay       []*event // or buffered events to replay
	nextBookmark time.Time

	input  chan watch.Event
	result chan watch.Event
	done   chan struct{}
	stop   sync.Once

	// Guarded by Cacher.mu.
	closed bool
	// termStatus, set before input is closed, is sent as an ERROR event
	// once the buffered events are delivered.
	termStatus *metav1.Status
}

// scope is the part of the key space a request covers.
type scope struct {
	key       string
	recursive bool
}

func newScope(key string, recursive bool) scope {
	if recursive && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	return scope{key: key, recursive: recursive}
}

func (s scope) contains(key string) bool {
	if s.recursive {
		return strings.HasPrefix(key, s.key)
	}
	return key == s.key
}

// convert turns a cache event into what this watcher sees, with transition
// semantics; ok is false when the watcher does not see it at all.
// memo carries e's selector attributes from one watcher to the next.
func (w *cacheWatcher) convert(e *event, memo *eventMemo) (watch.Event, bool) {
	if !w.scope.contains(e.cur.key) {
		return watch.Event{}, false
	}
	switch e.typ {
	case watch.Deleted:
		old, oldMemo := e.cur, &memo.cur
		if e.prev != nil {
			old, oldMemo = e.prev, &memo.prev
		}
		if w.c.matches(w.pred, old, oldMemo) {
			return watch.Event{Type: watch.Deleted, Object: e.cur.obj}, true
		}
		return watch.Event{}, false
	case watch.Added:
		if w.c.matches(w.pred, e.cur, &memo.cur) {
			return watch.Event{Type: watch.Added, Object: e.cur.obj}, true
		}
		return watch.Event{}, false
	}
	curOK := w.c.matches(w.pred, e.cur, &memo.cur)
	prevOK := e.prev != nil && w.c.matches(w.pred, e.prev, &memo.prev)
	switch {
	case curOK && prevOK:
		return watch.Event{Type: watch.Modified, Object: e.cur.obj}, true
	case curOK:
		return watch.Event{Type: watch.Added, Object: e.cur.obj}, true
	case prevOK:
		// It left the selection: its last matching state, at this revision.
		return watch.Event{Type: watch.Deleted, Object: e.prevAtRevision()}, true
	}
	return watch.Event{}, false
}

// prevAtRevision is the previous object with the event's resourceVersion,
// made once and shared.
func (e *event) prevAtRevision() runtime.Object {
	e.prevAtRevOnce.Do(func() {
		obj := e.prev.obj.DeepCopyObject()
		if err := setRV(obj, e.rev); err != nil {
			obj = e.prev.obj
		}
		e.prevAtRev = obj
	})
	return e.prevAtRev
}

// Watch serves a watch from the cache. resourceVersion "" and "0" start
// with the current state as ADDED events (unless SendInitialEvents=false;
// with SendInitialEvents=true that state is at least etcd's current
// revision);
// N replays the buffered events after N, or delivers a 410 ERROR when N is
// older than the buffer. SendInitialEvents=true ends the initial events
// with an annotated BOOKMARK.
func (c *Cacher) Watch(ctx context.Context, keyPrefix string, opts storage.ListOptions) (watch.Interface, error) {
	sc := newScope(keyPrefix, opts.Recursive)
	if !strings.HasPrefix(sc.key, c.prefix) {
		return c.cfg.Store.Watch(ctx, keyPrefix, opts)
	}
	rv, err := storage.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	initial := rv == 0
	if opts.SendInitialEvents != nil {
		initial = *opts.SendInitialEvents
	}
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.ResourceVersion == "" {
		// A watch-list without a resourceVersion is a consistent read: its
		// initial state is at least as new as etcd is now.
		cur, err := c.cfg.Store.CurrentResourceVersion(ctx)
		if err != nil {
			return nil, err
		}
		rv = int64(cur)
	}
	if err := c.waitForRev(ctx, keyPrefix, rv); err != nil {
		return nil, err
	}

	w := &cacheWatcher{
		c:         c,
		scope:     sc,
		pred:      opts.Predicate,
		bookmarks: opts.AllowWatchBookmarks,
		input:     make(chan watch.Event, c.cfg.WatcherBuffer),
		result:    make(chan watch.Event),
		done:      make(chan struct{}),
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return errorWatch(apierrors.NewServiceUnavailable("the watch cache is stopping").ErrStatus), nil
	}
	switch {
	case initial:
		for key, el := range c.objects {
			if sc.contains(key) {
				w.initial = append(w.initial, el)
			}
		}
		w.initialRev = c.rev
		w.initialEnd = opts.SendInitialEvents != nil && *opts.SendInitialEvents
	case rv == 0:
		// Start now without the current state.
	case rv < c.buf.startRev:
		oldest := c.buf.startRev
		c.mu.Unlock()
		return errorWatch(apierrors.NewResourceExpired(storage.TooOldDetail(rv, oldest)).ErrStatus), nil
	default:
		w.replay = c.buf.since(rv)
	}
	c.nextID++
	w.id = c.nextID
	w.nextBookmark = time.Now().Add(c.cfg.BookmarkInterval)
	c.watchers[w.id] = w
	c.mu.Unlock()

	go w.run(ctx)
	return w, nil
}

// ResultChan returns the events; it is closed when the watch ends.
func (w *cacheWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch and releases its resources.
func (w *cacheWatcher) Stop() {
	w.stop.Do(func() {
		w.c.mu.Lock()
		w.c.terminateLocked(w, nil)
		w.c.mu.Unlock()
		close(w.done)
	})
}

// terminateLocked unregisters w and closes its input; status, when set, is
// delivered as a final ERROR event.
func (c *Cacher) terminateLocked(w *cacheWatcher, status *metav1.Status) {
	if w.closed {
		return
	}
	w.closed = true
	w.termStatus = status
	delete(c.watchers, w.id)
	close(w.input)
}

// dispatchLocked hands e to every watcher that sees it. A watcher whose
// buffer is full gets a short grace period (DispatchTimeout, shared by all
// watchers blocked on this event) and is then closed instead of holding up
// everyone else; its client resumes from its last resourceVersion.
func (c *Cacher) dispatchLocked(e *event) {
	type pending struct {
		w  *cacheWatcher
		ev watch.Event
	}
	var blocked []pending
	var memo eventMemo
	for _, w := range c.watchers {
		ev, ok := w.convert(e, &memo)
		if !ok {
			continue
		}
		select {
		case w.input <- ev:
		default:
			blocked = append(blocked, pending{w, ev})
		}
	}
	if len(blocked) == 0 {
		return
	}
	timer := time.NewTimer(c.cfg.DispatchTimeout)
	defer timer.Stop()
	expired := false
	for _, p := range blocked {
		if !expired {
			select {
			case p.w.input <- p.ev:
				continue
			case <-timer.C:
				expired = true
			}
		}
		select {
		case p.w.input <- p.ev:
		default:
			c.cfg.Logger.Debug("closing slow watcher", "id", p.w.id, "buffer", cap(p.w.input))
			c.terminateLocked(p.w, nil)
		}
	}
}

func (w *cacheWatcher) run(ctx context.Context) {
	defer close(w.result)
	defer w.Stop()
	send := func(ev watch.Event) bool {
		select {
		case w.result <- ev:
			return true
		case <-w.done:
			return false
		case <-ctx.Done():
			return false
		}
	}

	if w.initial != nil || w.initialEnd {
		sort.Slice(w.initial, func(i, j int) bool { return w.initial[i].key < w.initial[j].key })
		for _, el := range w.initial {
			if w.c.matches(w.pred, el, &attrMemo{}) && !send(watch.Event{Type: watch.Added, Object: el.obj}) {
				return
			}
		}
		w.initial = nil
		if w.initialEnd {
			ev, err := storage.BookmarkEvent(w.c.cfg.NewFunc, w.initialRev, true)
			if err != nil || !send(ev) {
				return
			}
		}
	}
	for _, e := range w.replay {
		if ev, ok := w.convert(e, &eventMemo{}); ok && !send(ev) {
			return
		}
	}
	w.replay = nil

	for {
		select {
		case ev, ok := <-w.input:
			if !ok {
				if w.termStatus != nil {
					send(watch.Event{Type: watch.Error, Object: w.termStatus})
				}
				return
			}
			if !send(ev) {
				return
			}
		case <-w.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// bookmarkLoop sends periodic bookmarks to the watchers that allow them.
func (c *Cacher) bookmarkLoop(ctx context.Context) {
	tick := max(c.cfg.BookmarkInterval/4, 10*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			c.sendBookmarks(now)
		}
	}
}

func (c *Cacher) sendBookmarks(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		return
	}
	for _, w := range c.watchers {
		if !w.bookmarks || now.Before(w.nextBookmark) {
			continue
		}
		w.nextBookmark = now.Add(c.cfg.BookmarkInterval)
		ev, err := storage.BookmarkEvent(c.cfg.NewFunc, c.rev, false)
		if err != nil {
			continue
		}
		select {
		case w.input <- ev:
		default: // a busy watcher gets events anyway; skip the bookmark
		}
	}
}

// errorWatch is a watch that delivers one ERROR event and ends.
type errWatch struct{ ch chan watch.Event }

func errorWatch(status metav1.Status) watch.Interface {
	ch := make(chan watch.Event, 1)
	ch <- watch.Event{Type: watch.Error, Object: &status}
	close(ch)
	return &errWatch{ch: ch}
}

func (w *errWatch) Stop()                          {}
func (w *errWatch) ResultChan() <-chan watch.Event { return w.ch }
