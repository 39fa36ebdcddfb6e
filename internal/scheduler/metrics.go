package scheduler

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/metricsreg"
)

// metrics are upstream kube-scheduler's main metrics, same names.
type metrics struct {
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	pending         *prometheus.GaugeVec
	preemptions     prometheus.Counter
}

// Result labels of the attempt metrics.
const (
	resultScheduled     = "scheduled"
	resultUnschedulable = "unschedulable"
	resultError         = "error"
)

// newMetrics creates the collectors and registers them with reg (nil: kept
// but not exported). Collectors already registered (a second scheduler in
// the process) are shared.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: "scheduler", Name: "schedule_attempts_total",
			Help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
		}, []string{"result", "profile"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: "scheduler", Name: "scheduling_attempt_duration_seconds",
			Help:    "Scheduling attempt latency in seconds (scheduling algorithm + binding).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"result", "profile"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Subsystem: "scheduler", Name: "pending_pods",
			Help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods.",
		}, []string{"queue"}),
		preemptions: prometheus.NewCounter(prometheus.CounterOpts{
			Subsystem: "scheduler", Name: "preemption_attempts_total",
			Help: "Total preemption attempts in the cluster till now.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	err := errors.Join(
		metricsreg.RegisterInto(reg, &m.attempts),
		metricsreg.RegisterInto(reg, &m.attemptDuration),
		metricsreg.RegisterInto(reg, &m.pending),
		metricsreg.RegisterInto(reg, &m.preemptions),
	)
	if err != nil {
		return nil, fmt.Errorf("scheduler metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) observeQueue(q *Queue) {
	a, b, u := q.Lengths()
	m.pending.WithLabelValues("active").Set(float64(a))
	m.pending.WithLabelValues("backoff").Set(float64(b))
	m.pending.WithLabelValues("unschedulable").Set(float64(u))
}
