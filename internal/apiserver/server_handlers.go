package apiserver

import (
	"fmt"
	"net/http"

	"github.com/nauta/nauta/internal/apiserver/handlers"
)

// newResourceHandler builds the REST handlers of cfg's resources.
func newResourceHandler(cfg Config) (http.Handler, error) {
	h, err := handlers.New(handlers.Config{
		Resources:  cfg.Resources,
		StorageFor: cfg.StorageFor,
		Admission:  cfg.Admission,
		Kubelet:    cfg.Kubelet,
	})
	if err != nil {
		return nil, fmt.Errorf("apiserver: building resource handlers: %w", err)
	}
	return h, nil
}
