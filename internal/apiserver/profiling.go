package apiserver

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// serveProfiling serves Go's runtime profiles under /debug/pprof, as
// upstream's --profiling does; only authenticated and authorized users
// reach it (the filter chain runs first).
func serveProfiling(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Index(w, r)
	}
}
