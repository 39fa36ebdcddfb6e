package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/storage"
)

// minWatchTimeout is upstream's --min-request-timeout: watches without
// ?timeoutSeconds end after a random duration between one and two times it,
// spreading reconnects.
const minWatchTimeout = 30 * time.Minute

// errNoFlush fails a watch on a response writer that cannot stream.
var errNoFlush = errors.New("unable to start watch: the response writer cannot flush")

// watch serves a watch (?watch=true or the legacy /watch/ prefix): a
// chunked stream of metav1.WatchEvent frames, newline-delimited JSON or
// length-prefixed protobuf, flushed per event.
func (h *Handler) watch(w http.ResponseWriter, r *http.Request, s *scope) {
	if err := s.negotiate(r, true); err != nil {
		s.fail(w, r, err)
		return
	}
	lr, err := s.listOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	timeout := time.Duration(float64(minWatchTimeout) * (1 + rand.Float64()))
	if lr.opts.TimeoutSeconds != nil && *lr.opts.TimeoutSeconds > 0 {
		timeout = time.Duration(*lr.opts.TimeoutSeconds) * time.Second
	}
	key, recursive := s.listKey(lr)
	ctx := r.Context()
	var events <-chan watch.Event
	watcher, err := s.ep.store.Watch(ctx, key, storage.ListOptions{
		ResourceVersion:      lr.opts.ResourceVersion,
		ResourceVersionMatch: lr.opts.ResourceVersionMatch,
		Predicate:            lr.predicate,
		Recursive:            recursive,
		SendInitialEvents:    lr.opts.SendInitialEvents,
		AllowWatchBookmarks:  lr.opts.AllowWatchBookmarks,
		// Bookmarks of watches served straight from etcd (Events).
		NewFunc: s.ep.res.New,
	})
	switch {
	case errors.Is(err, storage.ErrTooOldResourceVersion):
		// Upstream answers 200 and a single ERROR event (410 Expired) that
		// makes reflectors relist.
		expired := responsewriters.InterpretWatchError(err, s.ep.gr, s.name)
		ch := make(chan watch.Event, 1)
		ch <- watch.Event{Type: watch.Error, Object: responsewriters.ErrorToStatus(expired)}
		close(ch)
		events = ch
	case err != nil:
		s.fail(w, r, responsewriters.InterpretWatchError(err, s.ep.gr, s.name))
		return
	default:
		defer watcher.Stop()
		events = watcher.ResultChan()
	}

	if stream := s.objectStream(r); stream != nil {
		h.watchObjects(w, r, s, stream, events, timeout)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, errNoFlush)
		return
	}
	enc := s.newWatchEncoder(w)
	contentType := s.out.Info.MediaType
	if contentType != runtime.ContentTypeJSON {
		contentType += ";stream=watch"
	}
	responsewriters.AddWarnings(w, s.warnings...)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	err = forwardEvents(ctx, timeout, events, enc.encode, flusher.Flush)
	if err != nil {
		h.log.Debug("watch stream ended", "resource", s.ep.gr.String(), "err", err)
	}
}

// maxEventsPerFlush bounds how many events a busy watch writes before it
// flushes, so a steady stream still reaches the client promptly.
const maxEventsPerFlush = 64

// minFlushInterval spaces the flushes of a busy serialized watch: an
// event that comes within this long of the last flush waits for the rest
// of it, and goes out with the events that follow it. Thousands of events
// a second then cost tens of writes (each a TLS record and a syscall)
// instead of thousands, for at most this much more latency; an event that
// comes after a quiet spell is flushed at once.
const minFlushInterval = 5 * time.Millisecond

// forwardEvents passes events to send until ctx ends, timeout passes, the
// events end or send fails (its error is returned). flush, when not nil,
// writes out what send buffered: once no further event is ready, at once
// when the last flush was minFlushInterval or longer ago and otherwise
// when that much has passed, or after maxEventsPerFlush events.
func forwardEvents(ctx context.Context, timeout time.Duration, events <-chan watch.Event, send func(watch.Event) error, flush func()) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	flushTimer := time.NewTimer(time.Hour)
	flushTimer.Stop()
	defer flushTimer.Stop()
	var (
		unflushed int
		armed     bool // flushTimer runs
		lastFlush time.Time
	)
	flushNow := func() {
		if armed {
			flushTimer.Stop()
			armed = false
		}
		flush()
		unflushed = 0
		lastFlush = time.Now()
	}
	for {
		var ev watch.Event
		var ok bool
		if unflushed > 0 && unflushed < maxEventsPerFlush {
			// Take what is ready without waiting, then flush or wait
			// for the flush time.
			select {
			case ev, ok = <-events:
			default:
				if wait := minFlushInterval - time.Since(lastFlush); wait > 0 {
					if !armed {
						flushTimer.Reset(wait)
						armed = true
					}
				} else {
					flushNow()
					continue
				}
			}
		} else if unflushed > 0 {
			flushNow()
		}
		if !ok {
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
				return nil
			case <-flushTimer.C:
				armed = false
				flushNow()
				continue
			case ev, ok = <-events:
			}
		}
		if !ok {
			if unflushed > 0 {
				flushNow()
			}
			return nil
		}
		if err := send(ev); err != nil {
			return err
		}
		if flush != nil {
			unflushed++
		}
	}
}

// watchEncoder writes watch events: each object is encoded with the
// negotiated serializer and embedded in a WatchEvent written through the
// stream framing.
type watchEncoder struct {
	s        *scope
	frame    io.Writer
	embedded runtime.Encoder
	event    runtime.Encoder
	buf      bytes.Buffer
	out      bytes.Buffer
}

func (s *scope) newWatchEncoder(w io.Writer) *watchEncoder {
	info := s.out.Info
	stream := info.StreamSerializer
	return &watchEncoder{
		s:        s,
		frame:    stream.Framer.NewFrameWriter(w),
		embedded: info.Serializer,
		event:    stream.Serializer,
	}
}

func (e *watchEncoder) encode(ev watch.Event) error {
	raw, typ, err := e.encodeObject(ev)
	if err != nil {
		return err
	}
	out := &metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: raw}}
	e.out.Reset()
	if err := e.event.Encode(out, &e.out); err != nil {
		return fmt.Errorf("encoding watch event: %w", err)
	}
	_, err = e.frame.Write(e.out.Bytes())
	return err
}

// encodeObject returns the encoded object of ev and the event type to send
// (ERROR when rendering failed). Plain objects (the common case) are
// encoded once per event for all watchers of the endpoint.
func (e *watchEncoder) encodeObject(ev watch.Event) ([]byte, watch.EventType, error) {
	_, isStatus := ev.Object.(*metav1.Status)
	shareable := e.s.out.Convert == nil && !isStatus && ev.Type != watch.Bookmark && ev.Type != watch.Error
	mediaType := e.s.out.Info.MediaType
	if shareable {
		if raw, ok := e.s.ep.encoded.get(ev.Object, mediaType); ok {
			return raw, ev.Type, nil
		}
	}
	obj, err := e.s.renderEvent(ev)
	if err != nil {
		obj = responsewriters.ErrorToStatus(err)
		ev.Type = watch.Error
		shareable = false
	}
	e.buf.Reset()
	if err := e.embedded.Encode(obj, &e.buf); err != nil {
		return nil, ev.Type, fmt.Errorf("encoding watch object %T: %w", obj, err)
	}
	if !shareable {
		return e.buf.Bytes(), ev.Type, nil
	}
	raw := bytes.Clone(e.buf.Bytes())
	e.s.ep.encoded.put(ev.Object, mediaType, raw)
	return raw, ev.Type, nil
}

// renderEvent renders a watch event's object: Status for errors, the
// served object (or its Table row / metadata) otherwise. Table column
// definitions go with the first event only.
func (s *scope) renderEvent(ev watch.Event) (runtime.Object, error) {
	if st, ok := ev.Object.(*metav1.Status); ok {
		st = st.DeepCopy()
		st.SetGroupVersionKind(statusGVK)
		return st, nil
	}
	target := s.out.Convert
	switch {
	case target == nil:
		return s.ep.servedView(ev.Object)
	case target.Kind == "Table":
		if ev.Type == watch.Bookmark {
			return bookmarkTable(ev.Object, *target), nil
		}
		out, err := s.asTable(ev.Object, false, *target)
		if s.table == nil {
			s.table = &metav1.TableOptions{}
		}
		s.table.NoHeaders = true
		return out, err
	case target.Kind == "PartialObjectMetadata", target.Kind == "PartialObjectMetadataList":
		return asPartial(ev.Object, target.GroupVersion())
	}
	return s.render(ev.Object)
}
