package metricsreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	first := prometheus.NewCounter(prometheus.CounterOpts{Name: "x_total", Help: "x"})
	got, err := Register(reg, first)
	if err != nil || got != first {
		t.Fatalf("first registration = %v, %v", got, err)
	}

	second := prometheus.NewCounter(prometheus.CounterOpts{Name: "x_total", Help: "x"})
	if err := RegisterInto(reg, &second); err != nil || second != first {
		t.Fatalf("second registration kept %v (%v), want the first collector", second, err)
	}

	clash := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x_total", Help: "other help"})
	if _, err := Register(reg, clash); err == nil {
		t.Error("a different collector under the same name was accepted")
	}
	if got := OrUnregistered(reg, clash); got != clash {
		t.Error("OrUnregistered did not hand back the unregistered collector")
	}

	if got, err := Register[prometheus.Counter](nil, first); err != nil || got != first {
		t.Errorf("nil registry = %v, %v", got, err)
	}
}
