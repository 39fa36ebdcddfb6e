package openapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/munnerz/goautoneg"
)

// Content types the documents are served in. Clients ask for the protobuf
// forms by either subtype; upstream answers with the dotted one.
const (
	contentTypeJSON      = "application/json"
	subtypeV2Proto       = "com.github.proto-openapi.spec.v2.v1.0+protobuf"
	subtypeV2ProtoLegacy = "com.github.proto-openapi.spec.v2@v1.0+protobuf"
	subtypeV3Proto       = "com.github.proto-openapi.spec.v3.v1.0+protobuf"
	subtypeV3ProtoLegacy = "com.github.proto-openapi.spec.v3@v1.0+protobuf"
)

// V2Handler serves GET /openapi/v2 as JSON or protobuf, by Accept header.
func (s *Spec) V2Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRead(w, r) {
			return
		}
		s.serveDoc(w, r, s.v2, subtypeV2Proto, subtypeV2ProtoLegacy)
	})
}

// V3Handler serves GET /openapi/v3 (the list of documents with their
// hashes) and GET /openapi/v3/<group version path> (one document). A
// request naming the current hash may be cached forever; one naming an old
// hash is redirected to the current one.
func (s *Spec) V3Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowRead(w, r) {
			return
		}
		rest, found := strings.CutPrefix(r.URL.Path, "/openapi/v3")
		if !found || (rest != "" && !strings.HasPrefix(rest, "/")) {
			http.NotFound(w, r)
			return
		}
		key := strings.Trim(rest, "/")
		if key == "" {
			w.Header().Set("Etag", strconv.Quote(s.v3Discovery.etag))
			w.Header().Set("Content-Type", contentTypeJSON)
			s.serveGzipped(w, r, s.v3Discovery.gzJSON)
			return
		}
		doc, ok := s.v3[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if hash := r.URL.Query().Get("hash"); hash != "" {
			if hash != doc.etag {
				http.Redirect(w, r, v3URL(key, doc.etag), http.StatusMovedPermanently)
				return
			}
			w.Header().Set("Cache-Control", "public, immutable")
			w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
		}
		s.serveDoc(w, r, doc, subtypeV3Proto, subtypeV3ProtoLegacy)
	})
}

// serveDoc answers with the JSON or protobuf form of doc, whichever the
// Accept header prefers.
func (s *Spec) serveDoc(w http.ResponseWriter, r *http.Request, doc *servedDoc, protoSubtypes ...string) {
	w.Header().Add("Vary", "Accept")
	proto, ok := negotiate(r.Header.Get("Accept"), protoSubtypes)
	if !ok {
		http.Error(w, "only application/json and the OpenAPI protobuf forms are served", http.StatusNotAcceptable)
		return
	}
	body, contentType := doc.gzJSON, contentTypeJSON
	if proto {
		data, err := doc.gzipProtobuf()
		if err != nil {
			slog.Error("encoding OpenAPI document as protobuf", "path", r.URL.Path, "err", err)
			http.Error(w, "cannot encode the document as protobuf", http.StatusInternalServerError)
			return
		}
		body, contentType = data, "application/"+protoSubtypes[0]
	}
	w.Header().Set("Etag", strconv.Quote(doc.etag))
	w.Header().Set("Content-Type", contentType)
	s.serveGzipped(w, r, body)
}

// serveGzipped serves a stored gzip body as it is to clients that accept
// gzip, and decompressed to the others and to range requests.
func (s *Spec) serveGzipped(w http.ResponseWriter, r *http.Request, gz []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) && r.Header.Get("Range") == "" {
		w.Header().Set("Content-Encoding", "gzip")
		http.ServeContent(w, r, "", s.built, bytes.NewReader(gz))
		return
	}
	http.ServeContent(w, r, "", s.built, bytes.NewReader(mustGunzip(gz)))
}

// acceptsGzip reports whether the Accept-Encoding header allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, enc := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(enc), ";")
			if strings.TrimSpace(name) != "gzip" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// negotiate picks JSON or protobuf from an Accept header: the first
// acceptable clause by preference wins. ok is false when neither is.
func negotiate(accept string, protoSubtypes []string) (proto, ok bool) {
	if accept == "" {
		return false, true
	}
	for _, c := range goautoneg.ParseAccept(accept) {
		if c.Q <= 0 || (c.Type != "application" && c.Type != "*") {
			continue
		}
		switch {
		case c.SubType == "json" || c.SubType == "*":
			return false, true
		case c.SubType == protoSubtypes[0] || c.SubType == protoSubtypes[1]:
			return true, true
		}
	}
	return false, false
}

func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}
