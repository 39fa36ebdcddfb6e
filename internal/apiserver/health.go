package apiserver

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/nauta/nauta/internal/apiserver/discovery"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// healthCheck is one named check of the probe endpoints.
type healthCheck struct {
	name  string
	check func(*http.Request) error
}

// newHealthChecks returns "ping" (always healthy: the server answers)
// followed by the configured checks in name order.
func newHealthChecks(configured map[string]func(*http.Request) error) []healthCheck {
	checks := []healthCheck{{name: "ping", check: func(*http.Request) error { return nil }}}
	names := make([]string, 0, len(configured))
	for name := range configured {
		if name != "ping" && configured[name] != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		checks = append(checks, healthCheck{name: name, check: configured[name]})
	}
	return checks
}

// serveHealth answers /healthz, /livez and /readyz (endpoint is their
// name) and their per-check sub-paths, in upstream's plain-text format.
// Failures name the check but withhold the reason: these paths are public.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request, endpoint, sub string) {
	if sub != "" {
		s.serveSingleCheck(w, r, sub)
		return
	}
	excluded := map[string]bool{}
	for _, v := range r.URL.Query()["exclude"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				excluded[name] = true
			}
		}
	}
	var out bytes.Buffer
	var failed []string
	for _, c := range s.health {
		if excluded[c.name] {
			delete(excluded, c.name)
			fmt.Fprintf(&out, "[+]%s excluded: ok\n", c.name)
			continue
		}
		if err := c.check(r); err != nil {
			s.logger.Info("health check failed", "endpoint", endpoint, "check", c.name, "err", err)
			fmt.Fprintf(&out, "[-]%s failed: reason withheld\n", c.name)
			failed = append(failed, c.name)
			continue
		}
		fmt.Fprintf(&out, "[+]%s ok\n", c.name)
	}
	if len(excluded) > 0 {
		var names []string
		for name := range excluded {
			names = append(names, fmt.Sprintf("%q", name))
		}
		slices.Sort(names)
		fmt.Fprintf(&out, "warn: some health checks cannot be excluded: no matches for %s\n", strings.Join(names, ","))
	}
	setPlainText(w)
	if len(failed) > 0 {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "%s%s check failed\n", out.String(), endpoint)
		return
	}
	if _, verbose := r.URL.Query()["verbose"]; !verbose {
		_, _ = w.Write([]byte("ok"))
		return
	}
	_, _ = out.WriteTo(w)
	fmt.Fprintf(w, "%s check passed\n", endpoint)
}

// serveSingleCheck answers /healthz/<check>.
func (s *Server) serveSingleCheck(w http.ResponseWriter, r *http.Request, name string) {
	for _, c := range s.health {
		if c.name != name {
			continue
		}
		setPlainText(w)
		if err := c.check(r); err != nil {
			s.logger.Info("health check failed", "check", c.name, "err", err)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "internal server error: %v\n", err)
			return
		}
		_, _ = w.Write([]byte("ok"))
		return
	}
	responsewriters.WriteError(w, r, discovery.NotFound())
}

func setPlainText(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}
