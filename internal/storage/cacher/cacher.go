package cacher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/storage"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// errExpired means the underlying watch cannot resume: relist.
var errExpired = errors.New("underlying watch expired")

// Cacher is the watch cache of one storage prefix. It implements
// storage.Interface.
type Cacher struct {
	cfg    Config
	prefix string // cfg.Prefix, ending in "/"

	mu       sync.RWMutex
	ready    bool
	readyCh  chan struct{} // closed once the first list is in
	objects  map[string]*element
	rev      int64         // newest revision the cache has caught up with
	revCh    chan struct{} // closed and replaced whenever rev moves
	buf      *eventBuffer
	watchers map[int64]*cacheWatcher
	nextID   int64
	stopped  bool
}

var _ storage.Interface = (*Cacher)(nil)

// New returns a Cacher; it serves from memory once Start has listed. It
// panics on a Config missing Store, Prefix, NewFunc or NewListFunc (a
// programming error).
func New(cfg Config) *Cacher {
	cfg, err := cfg.withDefaults()
	if err != nil {
		panic(err)
	}
	return &Cacher{
		cfg:      cfg,
		prefix:   cfg.Prefix,
		readyCh:  make(chan struct{}),
		objects:  map[string]*element{},
		revCh:    make(chan struct{}),
		buf:      newEventBuffer(cfg.Capacity, cfg.EventFreshness),
		watchers: map[int64]*cacheWatcher{},
	}
}

// Start fills the cache and keeps it current until ctx is done, then closes
// every watcher and returns nil. It lists the prefix, watches from the
// list's revision, resumes the watch where it stopped after errors, and
// relists when the watch's revision was compacted.
func (c *Cacher) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.bookmarkLoop(ctx)
	}()
	defer func() {
		c.shutdown()
		wg.Wait()
	}()

	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	needList := true
	for ctx.Err() == nil {
		if needList {
			if err := c.relist(ctx); err != nil {
				if ctx.Err() != nil {
					break
				}
				c.cfg.Logger.Warn("watch cache list failed", "err", err)
				sleep(ctx, backoff)
				backoff = min(2*backoff, maxBackoff)
				continue
			}
			needList = false
		}
		started := time.Now()
		err := c.watchStore(ctx)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errExpired) {
			needList = true
		}
		c.cfg.Logger.Info("watch cache watch ended, resuming", "err", err, "relist", needList)
		if time.Since(started) > time.Minute {
			backoff = minBackoff
		}
		sleep(ctx, backoff)
		backoff = min(2*backoff, maxBackoff)
	}
	return nil
}

// WaitReady returns once the first list is in, or ctx's error.
func (c *Cacher) WaitReady(ctx context.Context) error {
	select {
	case <-c.readyCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// relist replaces the cache's state with a fresh list. Watchers of the old
// state cannot be continued without a gap: they get a 410 and are closed.
func (c *Cacher) relist(ctx context.Context) error {
	list := c.cfg.NewListFunc()
	if err := c.cfg.Store.GetList(ctx, c.prefix, storage.ListOptions{Recursive: true}, list); err != nil {
		return fmt.Errorf("list %s: %w", c.prefix, err)
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return err
	}
	rev, err := strconv.ParseInt(listMeta.GetResourceVersion(), 10, 64)
	if err != nil {
		return fmt.Errorf("list %s: resourceVersion %q: %w", c.prefix, listMeta.GetResourceVersion(), err)
	}
	// One allocation per item: pointers into the list's Items array would
	// keep the whole array alive for as long as any one item is cached.
	items, err := meta.ExtractListWithAlloc(list)
	if err != nil {
		return err
	}
	objects := make(map[string]*element, len(items))
	for _, obj := range items {
		el, err := c.newElement(obj)
		if err != nil {
			return err
		}
		objects[el.key] = el
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready {
		status := apierrors.NewResourceExpired(storage.TooOldDetail(c.rev, rev)).ErrStatus
		for _, w := range c.watchers {
			c.terminateLocked(w, &status)
		}
		c.cfg.Logger.Info("watch cache relisted", "oldRevision", c.rev, "revision", rev, "objects", len(objects))
	}
	c.objects = objects
	c.buf.reset(rev)
	c.setRevLocked(rev)
	if !c.ready {
		c.ready = true
		close(c.readyCh)
	}
	return nil
}

// watchStore follows the underlying watch from the cache's revision until it
// ends. errExpired means the revision is gone and a relist is needed.
func (c *Cacher) watchStore(ctx context.Context) error {
	no := false
	c.mu.RLock()
	from := c.rev
	c.mu.RUnlock()
	w, err := c.cfg.Store.Watch(ctx, c.prefix, storage.ListOptions{
		ResourceVersion:     strconv.FormatInt(from, 10),
		Recursive:           true,
		AllowWatchBookmarks: true,
		SendInitialEvents:   &no,
		NewFunc:             c.cfg.NewFunc,
		// The cache holds every key's last state; asking etcd for it
		// too would cost a read per change.
		WithoutPrevious: true,
	})
	if err != nil {
		if errors.Is(err, storage.ErrTooOldResourceVersion) {
			return errExpired
		}
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Error:
			status, ok := ev.Object.(*metav1.Status)
			if ok && (status.Code == http.StatusGone || status.Reason == metav1.StatusReasonExpired) {
				return fmt.Errorf("%w: %s", errExpired, status.Message)
			}
			if ok {
				return fmt.Errorf("watch error: %s", status.Message)
			}
			return fmt.Errorf("watch error: %v", ev.Object)
		case watch.Bookmark:
			rev, err := storage.ObjectResourceVersion(ev.Object)
			if err != nil {
				continue
			}
			c.mu.Lock()
			if rev > c.rev {
				c.setRevLocked(rev)
			}
			c.mu.Unlock()
		default:
			if err := c.processEvent(ev); err != nil {
				// The cache can no longer be trusted: rebuild it.
				c.cfg.Logger.Error("watch cache event", "err", err)
				return fmt.Errorf("%w: %v", errExpired, err)
			}
		}
	}
	return errors.New("underlying watch closed")
}

func (c *Cacher) newElement(obj runtime.Object) (*element, error) {
	key, err := c.cfg.KeyFunc(obj)
	if err != nil {
		return nil, err
	}
	return &element{key: key, obj: obj}, nil
}

// processDeletedKey applies a deletion the underlying watch reported by
// key: the deleted object is the cached last state at the deletion's
// revision, as etcd's previous value would have given it.
func (c *Cacher) processDeletedKey(d *storage.DeletedKey) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.objects[d.Key]
	if prev == nil {
		// Never cached (outside what the cache lists): nothing to tell.
		if d.Revision > c.rev {
			c.setRevLocked(d.Revision)
		}
		return nil
	}
	last, ok := apischeme.ShallowCopy(prev.obj)
	if !ok {
		last = prev.obj.DeepCopyObject()
	}
	// The copy has its own ObjectMeta; what it shares with the cached
	// object is left as it is.
	if err := storage.SetResourceVersion(last, d.Revision); err != nil {
		return err
	}
	e := &event{typ: watch.Deleted, rev: d.Revision, at: time.Now().UnixNano(), cur: &element{key: prev.key, obj: last}}
	delete(c.objects, d.Key)
	c.buf.add(e)
	if d.Revision > c.rev {
		c.setRevLocked(d.Revision)
	}
	c.dispatchLocked(e)
	return nil
}

// processEvent applies one change to the cache and hands it to watchers.
func (c *Cacher) processEvent(ev watch.Event) error {
	if d, ok := ev.Object.(*storage.DeletedKey); ok {
		return c.processDeletedKey(d)
	}
	rev, err := storage.ObjectResourceVersion(ev.Object)
	if err != nil {
		return err
	}
	el, err := c.newElement(ev.Object)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(el.key, c.prefix) {
		return fmt.Errorf("event for key %q outside %q", el.key, c.prefix)
	}
	e := &event{typ: ev.Type, rev: rev, at: time.Now().UnixNano(), cur: el}

	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.objects[el.key]
	if prev != nil {
		// Share the key string the map already holds instead of keeping
		// a second copy per object.
		el.key = prev.key
	}
	switch {
	case ev.Type == watch.Deleted:
		// The deleted object is the last state (etcd's previous value),
		// so the previous element adds nothing: do not keep it alive in
		// the event buffer.
		delete(c.objects, el.key)
	case prev != nil:
		e.typ = watch.Modified
		e.prev = prev
		c.objects[el.key] = el
	default:
		e.typ = watch.Added
		c.objects[el.key] = el
	}
	c.buf.add(e)
	if rev > c.rev {
		c.setRevLocked(rev)
	}
	c.dispatchLocked(e)
	return nil
}

// setRevLocked moves the cache's revision and wakes whoever waits for it.
func (c *Cacher) setRevLocked(rev int64) {
	c.rev = rev
	close(c.revCh)
	c.revCh = make(chan struct{})
}

// waitForRev waits (at most WaitTimeout) until the cache is ready and has
// caught up with rev. It reports ErrTooLargeResourceVersion on timeout.
func (c *Cacher) waitForRev(ctx context.Context, key string, rev int64) error {
	timer := time.NewTimer(c.cfg.WaitTimeout)
	defer timer.Stop()
	for {
		c.mu.RLock()
		ready, cur, ch := c.ready, c.rev, c.revCh
		c.mu.RUnlock()
		if ready && cur >= rev {
			return nil
		}
		wake := ch
		if !ready {
			wake = c.readyCh
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			detail := fmt.Sprintf("Too large resource version: %d, current: %d", rev, cur)
			if !ready {
				detail = "the watch cache is not ready yet; retry"
			}
			return storage.NewError(storage.ErrTooLargeResourceVersion, key, rev, detail)
		}
	}
}

// shutdown closes every watcher when Start returns.
func (c *Cacher) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for _, w := range c.watchers {
		c.terminateLocked(w, nil)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
