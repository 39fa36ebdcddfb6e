package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// watchChanSize is the buffer between the etcd watch and the consumer.
const watchChanSize = 100

// etcdWatch is one watch served straight from etcd.
type etcdWatch struct {
	result chan watch.Event
	cancel context.CancelFunc
}

func (w *etcdWatch) Stop()                          { w.cancel() }
func (w *etcdWatch) ResultChan() <-chan watch.Event { return w.result }

// Watch streams changes straight from etcd. With resourceVersion "" or "0"
// (or SendInitialEvents=true) it first sends the current state as ADDED
// events. A compacted resourceVersion yields one ERROR event with a 410
// Expired Status. The result channel closes when ctx ends or Stop is
// called. Bookmarks (progress notifications and the initial-events-end
// marker) need opts.NewFunc.
func (s *Store) Watch(ctx context.Context, keyPrefix string, opts ListOptions) (watch.Interface, error) {
	rv, err := ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if err := checkPredicate(keyPrefix, opts.Predicate); err != nil {
		return nil, err
	}
	if opts.WithoutPrevious && !opts.Predicate.Empty() {
		return nil, fmt.Errorf("watch %q: a selector needs previous values", keyPrefix)
	}
	key := keyPrefix
	if opts.Recursive && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	initial := rv == 0
	if opts.SendInitialEvents != nil {
		initial = *opts.SendInitialEvents
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &etcdWatch{result: make(chan watch.Event, watchChanSize), cancel: cancel}
	go s.runWatch(ctx, w, key, rv, initial, opts)
	return w, nil
}

func (s *Store) runWatch(ctx context.Context, w *etcdWatch, key string, rv int64, initial bool, opts ListOptions) {
	defer close(w.result)
	defer w.cancel()
	send := func(ev watch.Event) bool {
		select {
		case w.result <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	sendErr := func(status metav1.Status) { send(watch.Event{Type: watch.Error, Object: &status}) }

	startRev := rv
	switch {
	case initial:
		rev, ok := s.sendInitialState(ctx, key, rv, opts, send, sendErr)
		if !ok {
			return
		}
		startRev = rev
	case rv == 0:
		cur, err := s.currentRevision(ctx)
		if err != nil {
			sendErr(apierrors.NewInternalError(err).ErrStatus)
			return
		}
		startRev = cur
	}

	wopts := []clientv3.OpOption{clientv3.WithRev(startRev + 1), clientv3.WithProgressNotify()}
	if !opts.WithoutPrevious {
		wopts = append(wopts, clientv3.WithPrevKV())
	}
	if opts.Recursive {
		wopts = append(wopts, clientv3.WithPrefix())
	}
	wch := s.client.Watch(clientv3.WithRequireLeader(ctx), key, wopts...)
	for {
		var resp clientv3.WatchResponse
		select {
		case <-ctx.Done():
			return
		case r, ok := <-wch:
			if !ok {
				return
			}
			resp = r
		}
		if resp.CompactRevision != 0 {
			sendErr(apierrors.NewResourceExpired(TooOldDetail(startRev, resp.CompactRevision)).ErrStatus)
			return
		}
		if err := resp.Err(); err != nil {
			if ctx.Err() == nil {
				sendErr(apierrors.NewInternalError(fmt.Errorf("etcd watch %q: %w", key, err)).ErrStatus)
			}
			return
		}
		if resp.IsProgressNotify() {
			if opts.AllowWatchBookmarks && opts.NewFunc != nil {
				if ev, err := BookmarkEvent(opts.NewFunc, resp.Header.Revision, false); err == nil {
					if !send(ev) {
						return
					}
				}
			}
			continue
		}
		for _, e := range resp.Events {
			if opts.WithoutPrevious && e.Type == clientv3.EventTypeDelete {
				if !send(watch.Event{Type: watch.Deleted, Object: &DeletedKey{Key: string(e.Kv.Key), Revision: e.Kv.ModRevision}}) {
					return
				}
				continue
			}
			ev, ok, err := s.translate(e, opts.Predicate)
			if err != nil {
				sendErr(apierrors.NewInternalError(err).ErrStatus)
				return
			}
			if ok && !send(ev) {
				return
			}
		}
	}
}

// sendInitialState sends the state at the newest revision (at least rv) as
// ADDED events, then the initial-events-end bookmark when asked for, and
// returns the revision it read.
func (s *Store) sendInitialState(ctx context.Context, key string, rv int64, opts ListOptions,
	send func(watch.Event) bool, sendErr func(metav1.Status)) (int64, bool) {
	if err := s.waitForRevision(ctx, key, rv); err != nil {
		sendErr(WatchErrorStatus(err))
		return 0, false
	}
	getOpts := []clientv3.OpOption{}
	if opts.Recursive {
		getOpts = append(getOpts, clientv3.WithPrefix())
	}
	resp, err := s.client.Get(ctx, key, getOpts...)
	if err != nil {
		sendErr(apierrors.NewInternalError(fmt.Errorf("etcd range %q: %w", key, err)).ErrStatus)
		return 0, false
	}
	for _, kv := range resp.Kvs {
		obj, err := s.codec.decode(kv.Value, kv.ModRevision)
		if err != nil {
			sendErr(apierrors.NewInternalError(err).ErrStatus)
			return 0, false
		}
		ok, err := opts.Predicate.Matches(obj)
		if err != nil {
			sendErr(apierrors.NewInternalError(err).ErrStatus)
			return 0, false
		}
		if ok && !send(watch.Event{Type: watch.Added, Object: obj}) {
			return 0, false
		}
	}
	rev := resp.Header.Revision
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.NewFunc != nil {
		ev, err := BookmarkEvent(opts.NewFunc, rev, true)
		if err != nil {
			sendErr(apierrors.NewInternalError(err).ErrStatus)
			return 0, false
		}
		if !send(ev) {
			return 0, false
		}
	}
	return rev, true
}

// translate turns one etcd event into a watch event, applying the predicate
// with transition semantics: an object that starts matching is ADDED, one
// that stops matching is DELETED (its last matching state at the event's
// revision).
func (s *Store) translate(e *clientv3.Event, pred SelectionPredicate) (watch.Event, bool, error) {
	rev := e.Kv.ModRevision
	switch {
	case e.Type == clientv3.EventTypeDelete:
		if e.PrevKv == nil {
			s.logger.Warn("etcd delete event without previous value", "key", string(e.Kv.Key), "revision", rev)
			return watch.Event{}, false, nil
		}
		old, err := s.codec.decode(e.PrevKv.Value, rev)
		if err != nil {
			return watch.Event{}, false, err
		}
		ok, err := pred.Matches(old)
		return watch.Event{Type: watch.Deleted, Object: old}, ok, err
	case e.IsCreate():
		cur, err := s.codec.decode(e.Kv.Value, rev)
		if err != nil {
			return watch.Event{}, false, err
		}
		ok, err := pred.Matches(cur)
		return watch.Event{Type: watch.Added, Object: cur}, ok, err
	}
	cur, err := s.codec.decode(e.Kv.Value, rev)
	if err != nil {
		return watch.Event{}, false, err
	}
	if pred.Empty() {
		return watch.Event{Type: watch.Modified, Object: cur}, true, nil
	}
	curOK, err := pred.Matches(cur)
	if err != nil {
		return watch.Event{}, false, err
	}
	var old runtime.Object
	oldOK := false
	if e.PrevKv != nil {
		if old, err = s.codec.decode(e.PrevKv.Value, rev); err != nil {
			return watch.Event{}, false, err
		}
		if oldOK, err = pred.Matches(old); err != nil {
			return watch.Event{}, false, err
		}
	}
	switch {
	case curOK && oldOK:
		return watch.Event{Type: watch.Modified, Object: cur}, true, nil
	case curOK:
		return watch.Event{Type: watch.Added, Object: cur}, true, nil
	case oldOK:
		return watch.Event{Type: watch.Deleted, Object: old}, true, nil
	}
	return watch.Event{}, false, nil
}

// BookmarkEvent makes a BOOKMARK event carrying a new object with only
// resourceVersion rev set; initialEnd adds the annotation that ends the
// initial events of a watch-list ("k8s.io/initial-events-end": "true").
func BookmarkEvent(newFunc func() runtime.Object, rev int64, initialEnd bool) (watch.Event, error) {
	obj := newFunc()
	if err := setResourceVersion(obj, rev); err != nil {
		return watch.Event{}, err
	}
	if initialEnd {
		m, err := meta.Accessor(obj)
		if err != nil {
			return watch.Event{}, err
		}
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	return watch.Event{Type: watch.Bookmark, Object: obj}, nil
}

// WatchErrorStatus turns a storage error into the Status of a watch ERROR
// event (410 Expired, 504 Timeout with a ResourceVersionTooLarge cause, or
// 500).
func WatchErrorStatus(err error) metav1.Status {
	var se *Error
	if !errors.As(err, &se) {
		return apierrors.NewInternalError(err).ErrStatus
	}
	switch se.Kind {
	case ErrTooOldResourceVersion:
		return apierrors.NewResourceExpired(se.Detail).ErrStatus
	case ErrTooLargeResourceVersion:
		st := apierrors.NewTimeoutError(se.Detail, 1).ErrStatus
		st.Details.Causes = append(st.Details.Causes, metav1.StatusCause{
			Type:    metav1.CauseTypeResourceVersionTooLarge,
			Message: se.Detail,
		})
		return st
	}
	return apierrors.NewInternalError(err).ErrStatus
}
