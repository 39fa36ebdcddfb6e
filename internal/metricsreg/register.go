// Package metricsreg registers Prometheus collectors for components that
// may run more than once in a process (two servers in a test, a second
// kubelet or proxy): the second one shares the first one's collectors.
package metricsreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c on reg and returns it, or returns the collector of
// the same type already registered under the same description. A nil reg
// registers nothing.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// RegisterInto is Register for a collector held in *c, which it replaces
// with the one already registered when there is one.
func RegisterInto[C prometheus.Collector](reg prometheus.Registerer, c *C) error {
	got, err := Register(reg, *c)
	*c = got
	return err
}

// OrUnregistered is Register for components whose metrics are best
// effort: when c cannot be registered it is returned anyway and keeps
// counting, unexported.
func OrUnregistered[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	got, _ := Register(reg, c)
	return got
}
