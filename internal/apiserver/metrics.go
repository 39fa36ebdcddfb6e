package apiserver

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/nauta/nauta/internal/apiserver/request"

	"github.com/nauta/nauta/internal/metricsreg"
)

const metricsComponent = "apiserver"

// requestMetrics are the API server's request metrics, named and labelled
// like upstream's so existing dashboards work.
type requestMetrics struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight *prometheus.GaugeVec
}

var requestLabels = []string{"verb", "group", "version", "resource", "subresource", "scope", "component"}

func newRequestMetrics(reg *prometheus.Registry) (*requestMetrics, error) {
	m := &requestMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Counter of API server requests by verb, group, version, resource, subresource, scope, component and HTTP response code.",
		}, append(append([]string(nil), requestLabels...), "code")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "apiserver_request_duration_seconds",
			Help: "Response latency distribution in seconds by verb, group, version, resource, subresource, scope and component (watches and connections excluded).",
			Buckets: []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10,
				15, 20, 30, 45, 60},
		}, requestLabels),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests",
			Help: "Number of requests being served, by kind (readOnly or mutating).",
		}, []string{"request_kind"}),
	}
	var err error
	if m.total, err = metricsreg.Register(reg, m.total); err != nil {
		return nil, err
	}
	if m.duration, err = metricsreg.Register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.inflight, err = metricsreg.Register(reg, m.inflight); err != nil {
		return nil, err
	}
	return m, nil
}

// newDefaultRegistry returns a registry with the Go runtime and process
// collectors, for when Config brings none.
func newDefaultRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// metricLabels are the label values of one request.
type metricLabels struct {
	verb, group, version, resource, subresource, scope string
}

func (l metricLabels) values() []string {
	return []string{l.verb, l.group, l.version, l.resource, l.subresource, l.scope, metricsComponent}
}

// labelsFor returns the metric labels of a request. known reports whether
// a resource is served; requests for unknown ones get empty resource labels
// so random paths cannot grow the series count.
func labelsFor(r *http.Request, info *request.Info, known func(*request.Info) bool) metricLabels {
	if info == nil || !info.IsResourceRequest || !known(info) {
		return metricLabels{verb: methodVerb(r.Method)}
	}
	l := metricLabels{
		verb:        metricVerb(r, info),
		group:       info.APIGroup,
		version:     info.APIVersion,
		resource:    info.Resource,
		subresource: info.Subresource,
	}
	switch {
	case info.Name != "" || info.Verb == "create":
		l.scope = "resource"
	case info.Namespace != "":
		l.scope = "namespace"
	default:
		l.scope = "cluster"
	}
	return l
}

// connectSubresources are streamed connections rather than API calls.
var connectSubresources = map[string]bool{"exec": true, "attach": true, "portforward": true, "proxy": true}

// metricVerb maps the API verb to upstream's metric verb: the HTTP method,
// except LIST, WATCH, APPLY and CONNECT.
func metricVerb(r *http.Request, info *request.Info) string {
	switch {
	case info.Verb == "list":
		return "LIST"
	case info.Verb == "watch":
		return "WATCH"
	case info.Verb == "proxy" || connectSubresources[info.Subresource]:
		return "CONNECT"
	case r.Method == http.MethodPatch && strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch"):
		return "APPLY"
	}
	return methodVerb(r.Method)
}

func methodVerb(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

func requestKind(method string) string {
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
		return "readOnly"
	}
	return "mutating"
}

// observe records a finished request.
func (m *requestMetrics) observe(l metricLabels, code int, seconds float64) {
	values := l.values()
	m.total.WithLabelValues(append(values, strconv.Itoa(code))...).Inc()
	if l.verb != "WATCH" && l.verb != "CONNECT" {
		m.duration.WithLabelValues(values...).Observe(seconds)
	}
}
