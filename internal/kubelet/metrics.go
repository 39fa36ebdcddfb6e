package kubelet

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the kubelet's Prometheus metrics, named as upstream's.
type metrics struct {
	nodeName          *prometheus.GaugeVec
	runningPods       prometheus.Gauge
	runningContainers *prometheus.GaugeVec
	startedPods       prometheus.Counter
	startedContainers *prometheus.CounterVec
	startErrors       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, nodeName string) *metrics {
	m := &metrics{
		nodeName: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelet_node_name", Help: "The node's name. The count is always 1.",
		}, []string{"node"})),
		runningPods: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubelet_running_pods", Help: "Number of pods that have a running pod sandbox",
		})),
		runningContainers: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelet_running_containers", Help: "Number of containers currently running",
		}, []string{"container_state"})),
		startedPods: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubelet_started_pods_total", Help: "Cumulative number of pods started",
		})),
		startedContainers: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubelet_started_containers_total", Help: "Cumulative number of containers started",
		}, []string{"container_type"})),
		startErrors: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubelet_started_containers_errors_total", Help: "Cumulative number of errors when starting containers",
		}, []string{"code", "container_type"})),
	}
	m.nodeName.WithLabelValues(nodeName).Set(1)
	return m
}

// register adds c to reg, or returns the collector a previous kubelet in
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
