package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/apiserver/inprocess"
	"github.com/nauta/nauta/internal/pki"
)

// inProcessConfig is loopback for the components running in this process:
// their requests go straight to handler through an inprocess.Transport,
// authenticated as the admin certificate, with no TLS or socket on the
// way. The TLS credentials stay in the configuration for components that
// read them (the CA they publish or trust); no connection is made with them.
func inProcessConfig(ctx context.Context, loopback *rest.Config, handler http.Handler, bundle *pki.Bundle, log *slog.Logger) (*rest.Config, error) {
	tr, err := inprocess.NewTransport(ctx, handler, log.With("component", "inprocess"), bundle.Admin.Cert, bundle.CA)
	if err != nil {
		return nil, fmt.Errorf("in-process client transport: %w", err)
	}
	cfg := rest.CopyConfig(loopback)
	cfg.Wrap(func(http.RoundTripper) http.RoundTripper { return tr })
	return cfg, nil
}
