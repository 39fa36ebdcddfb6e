package proxy

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/metricsreg"
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
		syncDuration: metricsreg.OrUnregistered(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds", Buckets: buckets,
		})),
		fullDuration: metricsreg.OrUnregistered(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_full_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds for full resyncs", Buckets: buckets,
		})),
		partialDuration: metricsreg.OrUnregistered(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_partial_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds for partial resyncs", Buckets: buckets,
		})),
		lastSync: metricsreg.OrUnregistered(reg, prometheus.NewGauge(prometheus.GaugeOpts{
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
