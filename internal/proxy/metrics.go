package proxy

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the proxy's Prometheus metrics, named as upstream's
// kube-proxy names them.
type metrics struct {
	syncDuration    prometheus.Histogram
	fullDuration    prometheus.Histogram
	partialDuration prometheus.Histogram
	lastSync        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	buckets := prometheus.ExponentialBuckets(0.001, 2, 15)
	return &metrics{
		syncDuration: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds", Buckets: buckets,
		})),
		fullDuration: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_full_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds for full resyncs", Buckets: buckets,
		})),
		partialDuration: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_partial_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds for partial resyncs", Buckets: buckets,
		})),
		lastSync: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeproxy_sync_proxy_rules_last_timestamp_seconds", Help: "The last time proxy rules were successfully synced",
		})),
	}
}

func (m *metrics) observe(full bool, took time.Duration, now time.Time) {
	m.syncDuration.Observe(took.Seconds())
	if full {
		m.fullDuration.Observe(took.Seconds())
	} else {
		m.partialDuration.Observe(took.Seconds())
	}
	m.lastSync.Set(float64(now.Unix()))
}

// register adds c to reg, or returns the collector a previous proxy in
// this process registered under the same name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}
