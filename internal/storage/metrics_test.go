package storage

import (
	"github.com/nauta/nauta/internal/storage/storagetest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
)

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if err := RegisterMetrics(reg); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	notFoundErrors := counterValue(t, requestErrors.WithLabelValues("get", "pods"))
	s := newTestStore(t)
	storagetest.CreatePod(t, s, storagetest.NewPod("ns", "m", nil))
	_ = s.Get(storagetest.Context(t), storagetest.PodKey("ns", "missing"), GetOptions{}, &corev1.Pod{})

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" {
					seen[mf.GetName()+"/"+l.GetValue()] = true
				}
			}
		}
	}
	for _, want := range []string{"etcd_request_duration_seconds/create", "etcd_request_duration_seconds/get"} {
		if !seen[want] {
			t.Errorf("metric %s not recorded; have %v", want, seen)
		}
	}
	if counterValue(t, requestErrors.WithLabelValues("get", "pods")) != notFoundErrors {
		t.Errorf("a not-found get counted as a failed request")
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
