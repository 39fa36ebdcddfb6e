package manager

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/util/workqueue"

	"github.com/nauta/nauta/internal/metricsreg"
)

// queueMetrics exports client-go workqueue metrics under the names upstream
// components use (workqueue_depth{name="..."}, ...), so dashboards built for
// kube-controller-manager work unchanged.
type queueMetrics struct {
	depth          *prometheus.GaugeVec
	adds           *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	workDuration   *prometheus.HistogramVec
	unfinished     *prometheus.GaugeVec
	longestRunning *prometheus.GaugeVec
	retries        *prometheus.CounterVec
}

var _ workqueue.MetricsProvider = (*queueMetrics)(nil)

// newQueueMetrics creates the collectors and registers them with reg (nil:
// not registered, the values are kept but not exported). When reg already
// has them, for example a second manager in the same process, the existing
// collectors are shared.
func newQueueMetrics(reg prometheus.Registerer) (*queueMetrics, error) {
	m := &queueMetrics{
		depth:          gaugeVec("depth", "Number of keys waiting in the workqueue."),
		adds:           counterVec("adds_total", "Number of keys added to the workqueue."),
		latency:        histogramVec("queue_duration_seconds", "Seconds a key waits in the workqueue before a worker takes it."),
		workDuration:   histogramVec("work_duration_seconds", "Seconds a worker spends on one key."),
		unfinished:     gaugeVec("unfinished_work_seconds", "Seconds of work in progress that has not finished yet; a growing value points at stuck workers."),
		longestRunning: gaugeVec("longest_running_processor_seconds", "Seconds the longest running worker of the queue has been busy."),
		retries:        counterVec("retries_total", "Number of rate-limited re-adds of keys to the workqueue."),
	}
	if reg == nil {
		return m, nil
	}
	err := errors.Join(
		registerInto(reg, &m.depth),
		registerInto(reg, &m.adds),
		registerInto(reg, &m.latency),
		registerInto(reg, &m.workDuration),
		registerInto(reg, &m.unfinished),
		registerInto(reg, &m.longestRunning),
		registerInto(reg, &m.retries),
	)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Every workqueue metric lives in the workqueue subsystem and is labelled
// by queue name.
const queueSubsystem = "workqueue"

var queueLabels = []string{"name"}

// queueBuckets span 10ns to 10s: queue waits and reconciles span that range.
var queueBuckets = prometheus.ExponentialBuckets(10e-9, 10, 10)

func gaugeVec(name, help string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: queueSubsystem, Name: name, Help: help}, queueLabels)
}

func counterVec(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: queueSubsystem, Name: name, Help: help}, queueLabels)
}

func histogramVec(name, help string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: queueSubsystem, Name: name, Help: help, Buckets: queueBuckets,
	}, queueLabels)
}

// registerInto registers *c, replacing it with the collector already
// registered under the same description if there is one.
func registerInto[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	var err error
	*c, err = metricsreg.Register(reg, *c)
	return err
}

func (m *queueMetrics) NewDepthMetric(name string) workqueue.GaugeMetric {
	return m.depth.WithLabelValues(name)
}

func (m *queueMetrics) NewAddsMetric(name string) workqueue.CounterMetric {
	return m.adds.WithLabelValues(name)
}

func (m *queueMetrics) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return m.latency.WithLabelValues(name)
}

func (m *queueMetrics) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return m.workDuration.WithLabelValues(name)
}

func (m *queueMetrics) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return m.unfinished.WithLabelValues(name)
}

func (m *queueMetrics) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return m.longestRunning.WithLabelValues(name)
}

func (m *queueMetrics) NewRetriesMetric(name string) workqueue.CounterMetric {
	return m.retries.WithLabelValues(name)
}
