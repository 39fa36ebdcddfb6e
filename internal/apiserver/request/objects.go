package request

import (
	"context"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// objectStreamBuffer is how many watch events wait for an in-process
// client before the handler blocks, as a full HTTP/2 window would block it.
const objectStreamBuffer = 64

// ObjectStream lets a client in the API server's own process take the
// response of a list or watch as the server's objects instead of their
// serialization: no encoding, no decoding, and no second copy of every
// object in the client's cache. The objects are the watch cache's own, so
// the client must treat them as read-only, as informer objects always are.
//
// Only a context can carry it: a request from the network never has one.
type ObjectStream struct {
	accepted atomic.Bool
	list     runtime.Object
	events   chan watch.Event
	close    sync.Once
}

// NewObjectStream returns a stream for one list or watch request.
func NewObjectStream() *ObjectStream {
	return &ObjectStream{events: make(chan watch.Event, objectStreamBuffer)}
}

type objectStreamKey struct{}

// WithObjectStream returns a context asking the handler for objects.
func WithObjectStream(ctx context.Context, s *ObjectStream) context.Context {
	return context.WithValue(ctx, objectStreamKey{}, s)
}

// ObjectStreamFrom returns the stream a request asks for objects on, or nil.
func ObjectStreamFrom(ctx context.Context) *ObjectStream {
	s, _ := ctx.Value(objectStreamKey{}).(*ObjectStream)
	return s
}

// SetList answers a list request with list. The handler calls it before
// it writes the response header.
func (s *ObjectStream) SetList(list runtime.Object) {
	s.list = list
	s.accepted.Store(true)
}

// StartWatch marks a watch request as answered with events. The handler
// calls it before it writes the response header and calls Close when it
// stops sending.
func (s *ObjectStream) StartWatch() { s.accepted.Store(true) }

// Send passes one watch event on, waiting while the client is behind.
func (s *ObjectStream) Send(ctx context.Context, ev watch.Event) error {
	select {
	case s.events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the watch: the client's result channel closes.
func (s *ObjectStream) Close() { s.close.Do(func() { close(s.events) }) }

// Accepted reports whether the handler answered with objects. The client
// reads it once the response arrived.
func (s *ObjectStream) Accepted() bool { return s.accepted.Load() }

// List is the list the handler answered with.
func (s *ObjectStream) List() runtime.Object { return s.list }

// Events are the watch events; the channel closes when the watch ends.
func (s *ObjectStream) Events() <-chan watch.Event { return s.events }
