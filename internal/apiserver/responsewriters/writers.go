package responsewriters

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/nauta/nauta/internal/apiserver/request"
)

// WriteObject writes obj with the given HTTP status in the serialization
// the request's Accept header asks for (JSON when it does not say). No
// meta.k8s.io conversion is offered: Accept clauses asking for one are
// skipped, and a 406 is written when nothing else fits.
func WriteObject(w http.ResponseWriter, r *http.Request, status int, obj runtime.Object) {
	t, err := NegotiateOutput(r, nil)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	Write(w, status, obj, t)
}

// Write encodes obj with the negotiated target and writes it with status.
// obj must already carry its apiVersion/kind. Objects protobuf cannot
// encode are written as JSON.
//
// The encoding streams to the client through a small buffer rather than
// being built in memory first: a list of thousands of objects would
// otherwise hold a second, growing copy of itself per request.
func Write(w http.ResponseWriter, status int, obj runtime.Object, t Target) {
	out := &streamingResponse{w: w, status: status, mediaType: t.Info.MediaType}
	info := t.Info
	err := encodeStreaming(info, obj, out)
	if err != nil && protobuf.IsNotMarshalable(err) && !out.started {
		info, _ = SerializerFor(runtime.ContentTypeJSON)
		out.mediaType = info.MediaType
		err = encodeStreaming(info, obj, out)
	}
	if err == nil {
		if !out.started {
			_, _ = out.Write(nil) // an empty body still gets its status
		}
		return
	}
	slog.Error("encoding response object", "type", schemaKind(obj), "err", err)
	if !out.started {
		writeStatus(w, ErrorToStatus(err), Target{Info: info})
		return
	}
	// Part of a success was sent; cut the connection so the client sees a
	// broken response, not a truncated object.
	panic(http.ErrAbortHandler)
}

// streamBufferSize bounds what one response holds before it is sent.
const streamBufferSize = 32 << 10

// streamBuffers reuses the buffers: one per request would be 32 KiB of
// garbage for every small write answered (at 500 lease renewals a second,
// a fifth of everything the server allocated).
var streamBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(io.Discard, streamBufferSize) }}

func encodeStreaming(info runtime.SerializerInfo, obj runtime.Object, out *streamingResponse) error {
	buf := streamBuffers.Get().(*bufio.Writer)
	buf.Reset(out)
	defer func() {
		buf.Reset(io.Discard) // drop the reference to this response
		streamBuffers.Put(buf)
	}()
	if err := info.Serializer.Encode(obj, buf); err != nil {
		return err
	}
	return buf.Flush()
}

// streamingResponse writes the headers and status on the first byte, so an
// encoding that fails before producing any output can still become an
// error status.
type streamingResponse struct {
	w         http.ResponseWriter
	status    int
	mediaType string
	started   bool
}

func (s *streamingResponse) Write(p []byte) (int, error) {
	if !s.started {
		s.started = true
		h := s.w.Header()
		h.Set("Content-Type", s.mediaType)
		h.Set("X-Content-Type-Options", "nosniff")
		s.w.WriteHeader(s.status)
	}
	return s.w.Write(p)
}

func schemaKind(obj runtime.Object) schema.GroupVersionKind {
	if obj == nil {
		return schema.GroupVersionKind{}
	}
	return obj.GetObjectKind().GroupVersionKind()
}

// WriteError writes err as a metav1.Status with the matching HTTP code.
// Storage errors are mapped to their API statuses using the resource and
// name of the request; errors that are not API statuses become 500s.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if info := request.InfoFrom(r.Context()); info != nil {
		gr := schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}
		err = InterpretStorageError(err, gr, info.Name)
	}
	st := ErrorToStatus(err)
	if st.Code == http.StatusInternalServerError {
		slog.Error("internal error serving request", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeStatus(w, st, errorTarget(r))
}

func writeStatus(w http.ResponseWriter, status *metav1.Status, t Target) {
	if status.Details != nil && status.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(status.Details.RetryAfterSeconds)))
	}
	var buf bytes.Buffer
	if err := t.Info.Serializer.Encode(status, &buf); err != nil {
		info, _ := SerializerFor(runtime.ContentTypeJSON)
		t.Info = info
		buf.Reset()
		_ = info.Serializer.Encode(status, &buf)
	}
	w.Header().Set("Content-Type", t.Info.MediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(int(status.Code))
	_, _ = w.Write(buf.Bytes())
}

// AddWarnings adds one RFC 7234 Warning header (code 299, agent "-") per
// message, skipping duplicates. Call before the response is written.
func AddWarnings(w http.ResponseWriter, msgs ...string) {
	seen := map[string]bool{}
	for _, v := range w.Header().Values("Warning") {
		seen[v] = true
	}
	for _, msg := range msgs {
		if msg == "" {
			continue
		}
		v, err := utilnet.NewWarningHeader(299, "-", msg)
		if err != nil || seen[v] {
			continue
		}
		seen[v] = true
		w.Header().Add("Warning", v)
	}
}
