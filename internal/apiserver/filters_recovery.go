package apiserver

import (
	"errors"
	"net/http"
	"runtime/debug"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

var errPanic = errors.New("the request caused the API server to panic; see its log for details")

// withRecovery turns a panic in a handler into a 500 Status and a logged
// stack, so one bad request cannot take the server down.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
				panic(v)
			}
			s.logger.Error("panic while serving request", "method", r.Method, "path", r.URL.Path,
				"panic", v, "stack", string(debug.Stack()))
			if rw, ok := w.(*responseRecorder); ok && rw.written() {
				// Too late for a Status: abort the connection so the client
				// sees a broken response instead of a truncated one.
				panic(http.ErrAbortHandler)
			}
			responsewriters.WriteError(w, r, apierrors.NewInternalError(errPanic))
		}()
		next.ServeHTTP(w, r)
	})
}
