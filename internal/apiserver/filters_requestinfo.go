package apiserver

import (
	"net/http"

	"github.com/nauta/nauta/internal/apiserver/discovery"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// withRequestInfo parses the request's place in the API into a
// request.Info in its context.
func (s *Server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := ParseRequestInfo(r)
		if err != nil {
			s.logger.Debug("unparseable request path", "path", r.URL.Path, "err", err)
			responsewriters.WriteError(w, r, discovery.NotFound())
			return
		}
		recordFrom(r.Context()).info = info
		next.ServeHTTP(w, r.WithContext(request.WithInfo(r.Context(), info)))
	})
}
