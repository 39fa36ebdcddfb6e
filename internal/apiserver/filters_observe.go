package apiserver

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/request"
)

// requestRecord collects what inner filters learn about a request (its
// info, its user) for the outer filter that logs and measures it once the
// request is done.
type requestRecord struct {
	info *request.Info
	user *authn.User
}

type recordKey struct{}

func withRecord(ctx context.Context, rec *requestRecord) context.Context {
	return context.WithValue(ctx, recordKey{}, rec)
}

func recordFrom(ctx context.Context) *requestRecord {
	rec, _ := ctx.Value(recordKey{}).(*requestRecord)
	if rec == nil {
		return &requestRecord{}
	}
	return rec
}

// responseRecorder remembers the status code written. It keeps the
// optional interfaces the handlers rely on: Flush for watches, Hijack for
// exec/attach/port-forward upgrades.
type responseRecorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

var errNotHijackable = errors.New("response writer does not support hijacking")

func (w *responseRecorder) WriteHeader(code int) {
	// 1xx other than 101 are informational and may precede the real status.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *responseRecorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *responseRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errNotHijackable
	}
	conn, rw, err := h.Hijack()
	if err == nil {
		w.hijacked = true
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// written reports whether the response has started (or the connection was
// taken over), after which no error response can be sent.
func (w *responseRecorder) written() bool { return w.status != 0 || w.hijacked }

func (w *responseRecorder) statusCode() int {
	if w.status == 0 {
		return http.StatusOK // what net/http sends for an empty response
	}
	return w.status
}

// withObservation is the outermost filter: it logs and counts every request
// when it finishes, and sets the default Cache-Control.
func (s *Server) withObservation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &requestRecord{}
		rw := &responseRecorder{ResponseWriter: w}
		// API responses are per user and change constantly; handlers that
		// know better may override it.
		rw.Header().Set("Cache-Control", "no-cache, private")
		defer func() {
			elapsed := time.Since(start)
			status := rw.statusCode()
			s.metrics.observe(labelsFor(r, rec.info, s.isServed), status, elapsed.Seconds())
			s.logRequest(r, rec, status, elapsed)
		}()
		next.ServeHTTP(rw, r.WithContext(withRecord(r.Context(), rec)))
	})
}

// requestLogLevel is debug for every request but server errors: at info,
// requests would drown the server's own messages (one kubectl get is
// several requests). Failing health probes are the probes' business.
func requestLogLevel(path string, status int) slog.Level {
	if status >= http.StatusInternalServerError && !isProbePath(path) {
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

func (s *Server) logRequest(r *http.Request, rec *requestRecord, status int, elapsed time.Duration) {
	level := requestLogLevel(r.URL.Path, status)
	if !s.logger.Enabled(r.Context(), level) {
		return
	}
	user := ""
	if rec.user != nil {
		user = rec.user.Name
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if r.URL.RawQuery != "" {
		attrs = append(attrs, slog.String("query", r.URL.RawQuery))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.String("user", user),
		slog.String("remote", r.RemoteAddr),
	)
	s.logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// isProbePath reports whether p is a health probe, polled often enough
// that logging it at info level would drown everything else.
func isProbePath(p string) bool {
	for _, root := range []string{"/healthz", "/livez", "/readyz"} {
		if p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return false
}

// withInflight tracks the requests being served, leaving out watches and
// streamed connections which last as long as the client wants.
func (s *Server) withInflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := request.InfoFrom(r.Context())
		if info != nil && (info.Verb == "watch" || info.Verb == "proxy" || connectSubresources[info.Subresource]) {
			next.ServeHTTP(w, r)
			return
		}
		g := s.metrics.inflight.WithLabelValues(requestKind(r.Method))
		g.Inc()
		defer g.Dec()
		next.ServeHTTP(w, r)
	})
}
