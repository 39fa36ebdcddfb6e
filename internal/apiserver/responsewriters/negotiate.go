package responsewriters

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apischeme"
)

// Target is the negotiated form of a response.
type Target struct {
	// Info is the serializer chosen from the Accept header. Its Serializer
	// is the pretty one when the client asked for pretty output.
	Info runtime.SerializerInfo
	// Convert is the meta.k8s.io kind the client asked the object to be
	// turned into (as=Table;g=meta.k8s.io;v=v1, PartialObjectMetadata,
	// PartialObjectMetadataList), or nil.
	Convert *schema.GroupVersionKind
}

// AllowConvert reports whether an endpoint can serve the conversion target
// (never nil) in the given serialization. A nil AllowConvert allows none.
type AllowConvert func(info runtime.SerializerInfo, target schema.GroupVersionKind) bool

// acceptClause is one media range of an Accept header.
type acceptClause struct {
	typ, sub string
	params   map[string]string
	q        float64
}

// parseAccept splits an Accept header into clauses ordered by preference:
// higher q first, then concrete types before wildcards, otherwise in the
// order the client sent them.
func parseAccept(header string) []acceptClause {
	var out []acceptClause
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		mt := strings.TrimSpace(fields[0])
		if mt == "" {
			continue
		}
		c := acceptClause{q: 1, params: map[string]string{}}
		if typ, sub, ok := strings.Cut(mt, "/"); ok {
			c.typ, c.sub = strings.TrimSpace(typ), strings.TrimSpace(sub)
		} else {
			c.typ, c.sub = mt, "*"
		}
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(p, "=")
			k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
			if k == "q" {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					c.q = f
				}
				continue
			}
			if k != "" {
				c.params[k] = v
			}
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.q != b.q {
			return a.q > b.q
		}
		if a.typ != "*" && b.typ == "*" {
			return true
		}
		return a.sub != "*" && b.sub == "*"
	})
	return out
}

// matches reports whether the clause's media range covers info.
func (c acceptClause) matches(info runtime.SerializerInfo) bool {
	typ, sub, _ := strings.Cut(info.MediaType, "/")
	switch {
	case c.typ == typ && c.sub == sub:
		return true
	case c.typ == typ && c.sub == "*":
		return true
	case c.typ == "*" && c.sub == "*":
		return true
	}
	return false
}

// options checks the clause parameters against what the endpoint serves.
func (c acceptClause) options(info runtime.SerializerInfo, allow AllowConvert, stream bool) (Target, bool) {
	t := Target{Info: info}
	var convert *schema.GroupVersionKind
	pretty := false
	for k, v := range c.params {
		switch k {
		case "as":
			if convert == nil {
				convert = &schema.GroupVersionKind{}
			}
			convert.Kind = v
		case "g":
			if convert == nil {
				convert = &schema.GroupVersionKind{}
			}
			convert.Group = v
		case "v":
			if convert == nil {
				convert = &schema.GroupVersionKind{}
			}
			convert.Version = v
		case "stream":
			if v != "" && (v != "watch" || info.StreamSerializer == nil) {
				return Target{}, false
			}
		case "pretty":
			pretty = v == "1"
		}
	}
	if convert != nil {
		if allow == nil || !allow(info, *convert) {
			return Target{}, false
		}
		t.Convert = convert
	}
	if stream && info.StreamSerializer == nil {
		return Target{}, false
	}
	if pretty && info.PrettySerializer != nil {
		t.Info.Serializer = info.PrettySerializer
	}
	return t, true
}

// allMediaTypes and streamMediaTypes are the media types of the API
// codecs, and those of them that can stream (watch). Read-only.
var allMediaTypes, streamMediaTypes = mediaTypesOf(false), mediaTypesOf(true)

// supportedMediaTypes lists the media types of the API codecs, optionally
// only those that can stream (watch). The slice is shared: read-only.
func supportedMediaTypes(stream bool) []runtime.SerializerInfo {
	if stream {
		return streamMediaTypes
	}
	return allMediaTypes
}

func mediaTypesOf(stream bool) []runtime.SerializerInfo {
	var out []runtime.SerializerInfo
	for _, info := range apischeme.Codecs.SupportedMediaTypes() {
		if stream && info.StreamSerializer == nil {
			continue
		}
		out = append(out, info)
	}
	return out
}

func mediaTypeNames(infos []runtime.SerializerInfo) []string {
	names := make([]string, 0, len(infos))
	for _, info := range infos {
		names = append(names, info.MediaType)
	}
	return names
}

// NegotiateOutput picks the response serialization from r's Accept header:
// the first clause (by preference) the server can serve, JSON when the header
// is empty, 406 NotAcceptable when nothing fits.
func NegotiateOutput(r *http.Request, allow AllowConvert) (Target, error) {
	return negotiate(r, allow, false)
}

// NegotiateStream is NegotiateOutput for watch streams: only serializations
// with a stream framing (JSON, protobuf) qualify.
func NegotiateStream(r *http.Request, allow AllowConvert) (Target, error) {
	return negotiate(r, allow, true)
}

func negotiate(r *http.Request, allow AllowConvert, stream bool) (Target, error) {
	infos := supportedMediaTypes(stream)
	header := r.Header.Get("Accept")
	pretty := isPrettyPrint(r)
	if strings.TrimSpace(header) == "" {
		t := Target{Info: infos[0]}
		if pretty && t.Info.PrettySerializer != nil {
			t.Info.Serializer = t.Info.PrettySerializer
		}
		return t, nil
	}
	for _, c := range parseAccept(header) {
		for _, info := range infos {
			if !c.matches(info) {
				continue
			}
			if t, ok := c.options(info, allow, stream); ok {
				if pretty && info.PrettySerializer != nil {
					t.Info.Serializer = info.PrettySerializer
				}
				return t, nil
			}
		}
	}
	return Target{}, NewNotAcceptableError(mediaTypeNames(infos))
}

// errorTarget picks a serialization for an error response: the first
// Accept clause naming a supported media type, whatever its parameters,
// else JSON.
func errorTarget(r *http.Request) Target {
	infos := supportedMediaTypes(false)
	t := Target{Info: infos[0]}
	if header := r.Header.Get("Accept"); strings.TrimSpace(header) != "" {
	clauses:
		for _, c := range parseAccept(header) {
			for _, info := range infos {
				if c.matches(info) {
					t.Info = info
					break clauses
				}
			}
		}
	}
	if isPrettyPrint(r) && t.Info.PrettySerializer != nil {
		t.Info.Serializer = t.Info.PrettySerializer
	}
	return t
}

// isPrettyPrint follows upstream: ?pretty=<bool> wins; otherwise browsers
// and command-line HTTP tools get indented JSON.
func isPrettyPrint(r *http.Request) bool {
	if r.URL != nil && strings.Contains(r.URL.RawQuery, "pretty") {
		if pp := r.URL.Query().Get("pretty"); pp != "" {
			pretty, _ := strconv.ParseBool(pp)
			return pretty
		}
	}
	ua := r.UserAgent()
	return strings.HasPrefix(ua, "curl") || strings.HasPrefix(ua, "Wget") || strings.HasPrefix(ua, "Mozilla/5.0")
}

// NegotiateInput returns the serializer for r's body from its Content-Type
// (JSON when absent), or a 415 UnsupportedMediaType error.
func NegotiateInput(r *http.Request) (runtime.SerializerInfo, error) {
	infos := supportedMediaTypes(false)
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return infos[0], nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		if info, ok := runtime.SerializerInfoForMediaType(infos, mt); ok {
			return info, nil
		}
	}
	return runtime.SerializerInfo{}, NewUnsupportedMediaTypeError(mediaTypeNames(infos))
}

// SerializerFor returns the serializer info of a media type (JSON, YAML,
// protobuf).
func SerializerFor(mediaType string) (runtime.SerializerInfo, bool) {
	return runtime.SerializerInfoForMediaType(apischeme.Codecs.SupportedMediaTypes(), mediaType)
}
