package storage

import (
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Request metrics of every Store, named like the upstream API server's so
// existing dashboards work. They are package-level because one process talks
// to one etcd; RegisterMetrics exposes them on a registry.
var (
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "etcd_request_duration_seconds",
		Help:    "Etcd request latency in seconds for each operation and object type.",
		Buckets: []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60},
	}, []string{"operation", "type"})
	requestErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "etcd_request_errors_total",
		Help: "Etcd failed request counts for each operation and object type.",
	}, []string{"operation", "type"})
)

// RegisterMetrics registers the Store metrics on reg. Registering twice on
// the same registry is not an error.
func RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{requestDuration, requestErrors} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				return err
			}
		}
	}
	return nil
}

// observe records one etcd request; use as defer observe(op, key,
// time.Now(), &err). Outcomes such as not found or conflict are answers,
// not failures: only other errors (etcd, transport, decoding) count.
func observe(op, key string, start time.Time, err *error) {
	typ := objectType(key)
	requestDuration.WithLabelValues(op, typ).Observe(time.Since(start).Seconds())
	var se *Error
	if err != nil && *err != nil && !errors.As(*err, &se) {
		requestErrors.WithLabelValues(op, typ).Inc()
	}
}

// objectType names the stored type from a key: the path under /registry up
// to the segment that holds the resource ("pods", "apps/deployments").
// Core resources have no dot-free group segment ahead of them, so a key
// "/registry/<a>/<b>/..." is taken as group a, resource b only when a is a
// known non-core group segment; everything else reports its first segment.
func objectType(key string) string {
	rest := strings.TrimPrefix(key, "/registry/")
	segs := strings.SplitN(rest, "/", 3)
	if len(segs) >= 2 && isGroupSegment(segs[0]) {
		return segs[0] + "/" + segs[1]
	}
	return segs[0]
}

func isGroupSegment(s string) bool {
	if strings.Contains(s, ".") {
		return true
	}
	switch s {
	case "apps", "batch", "policy", "autoscaling":
		return true
	}
	return false
}
