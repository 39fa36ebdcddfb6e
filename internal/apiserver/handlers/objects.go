package handlers

import (
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// objectStream returns the in-process object stream the request asks to
// be answered on (see request.ObjectStream), when the endpoint can hand
// over its stored objects as they are: no version conversion and no Table
// or metadata-only form. Otherwise the response is serialized as usual.
func (s *scope) objectStream(r *http.Request) *request.ObjectStream {
	stream := request.ObjectStreamFrom(r.Context())
	if stream == nil || s.out.Convert != nil || s.ep.res.FromStorage != nil {
		return nil
	}
	return stream
}

// writeListObject answers a list on stream: the list object goes over as
// it is, the response carries only the status and warnings.
func (s *scope) writeListObject(w http.ResponseWriter, stream *request.ObjectStream, list runtime.Object) {
	stream.SetList(list)
	responsewriters.AddWarnings(w, s.warnings...)
	w.WriteHeader(http.StatusOK)
}

// watchObjects answers a watch on stream: the watch cache's events go over
// as they are until the client leaves, the watch times out or the store
// ends it.
func (h *Handler) watchObjects(w http.ResponseWriter, r *http.Request, s *scope, stream *request.ObjectStream, events <-chan watch.Event, timeout time.Duration) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, errNoFlush)
		return
	}
	stream.StartWatch()
	defer stream.Close()
	responsewriters.AddWarnings(w, s.warnings...)
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	ctx := r.Context()
	_ = forwardEvents(ctx, timeout, events, func(ev watch.Event) error { return stream.Send(ctx, ev) }, nil)
}
