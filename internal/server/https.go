package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nauta/nauta/internal/pki"
)

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 10 * time.Second

// servingTLSConfig serves the API server's certificate and verifies client
// certificates against the cluster CA when a client presents one; clients
// without one may still use bearer tokens.
func servingTLSConfig(b *pki.Bundle) (*tls.Config, error) {
	cert, err := b.Serving.TLSCertificate()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    b.CAPool,
		NextProtos:   []string{"h2", "http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// httpsServer serves handler on listener until its context ends.
type httpsServer struct {
	listener net.Listener
	tls      *tls.Config
	handler  http.Handler
	log      *slog.Logger
}

// Start serves until ctx ends, then lets requests finish for up to
// shutdownTimeout. Requests see ctx as their base context, so watches end
// when the server stops instead of holding the shutdown up.
func (h *httpsServer) Start(ctx context.Context) error {
	srv := &http.Server{
		Handler:           h.handler,
		TLSConfig:         h.tls,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    1 << 20,
		// No WriteTimeout: watches and logs stream for as long as clients want.
		BaseContext: func(net.Listener) context.Context { return ctx },
		// TLS handshake failures (probes, clients giving up) are not ours to shout about.
		ErrorLog: slog.NewLogLogger(h.log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(h.listener, "", "") }()
	h.log.Info("serving", "address", h.listener.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", h.listener.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		h.log.Warn("requests still running at shutdown; closing them", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", h.listener.Addr(), err)
	}
	return nil
}
