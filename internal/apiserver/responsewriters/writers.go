package responsewriters

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"

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
func Write(w http.ResponseWriter, status int, obj runtime.Object, t Target) {
	var buf bytes.Buffer
	info := t.Info
	err := info.Serializer.Encode(obj, &buf)
	if err != nil && protobuf.IsNotMarshalable(err) {
		buf.Reset()
		info, _ = SerializerFor(runtime.ContentTypeJSON)
		err = info.Serializer.Encode(obj, &buf)
	}
	if err != nil {
		slog.Error("encoding response object", "type", schemaKind(obj), "err", err)
		writeStatus(w, ErrorToStatus(err), Target{Info: info})
		return
	}
	h := w.Header()
	h.Set("Content-Type", info.MediaType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
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
