package kubelet

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nauta/nauta/internal/metricsreg"
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
		nodeName: metricsreg.OrUnregistered(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelet_node_name", Help: "The node's name. The count is always 1.",
		}, []string{"node"})),
		runningPods: metricsreg.OrUnregistered(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubelet_running_pods", Help: "Number of pods that have a running pod sandbox",
		})),
		runningContainers: metricsreg.OrUnregistered(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubelet_running_containers", Help: "Number of containers currently running",
		}, []string{"container_state"})),
		startedPods: metricsreg.OrUnregistered(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubelet_started_pods_total", Help: "Cumulative number of pods started",
		})),
		startedContainers: metricsreg.OrUnregistered(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubelet_started_containers_total", Help: "Cumulative number of containers started",
		}, []string{"container_type"})),
		startErrors: metricsreg.OrUnregistered(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubelet_started_containers_errors_total", Help: "Cumulative number of errors when starting containers",
		}, []string{"code", "container_type"})),
	}
	m.nodeName.WithLabelValues(nodeName).Set(1)
	return m
}
