package inprocess

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
)

// remoteAddr is what handlers see as the client's address.
const remoteAddr = "127.0.0.1:0"

// errHandlerAborted ends a response whose handler panicked after the
// response was handed over, as a reset stream would.
var errHandlerAborted = errors.New("in-process API handler aborted the response")

// Transport serves requests through handler in the calling process.
type Transport struct {
	handler http.Handler
	base    context.Context
	tls     *tls.ConnectionState
	log     *slog.Logger
	workers *workers
}

// NewTransport returns a transport whose requests handler serves as if
// they came over TLS with client certificate identity (verified against
// the chain that follows it, normally the cluster CA). Requests end when
// base ends, as a server's requests end when it stops.
func NewTransport(base context.Context, handler http.Handler, log *slog.Logger, identity ...*x509.Certificate) (*Transport, error) {
	if handler == nil {
		return nil, errors.New("inprocess: no handler")
	}
	if len(identity) == 0 {
		return nil, errors.New("inprocess: no client certificate to authenticate as")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Transport{
		handler: handler,
		base:    base,
		tls: &tls.ConnectionState{
			Version:            tls.VersionTLS13,
			HandshakeComplete:  true,
			NegotiatedProtocol: "h2",
			PeerCertificates:   identity,
			VerifiedChains:     [][]*x509.Certificate{identity},
		},
		log:     log,
		workers: newWorkers(base),
	}, nil
}

// RoundTrip runs the handler on another goroutine and returns once the
// response is handed over: at the handler's first flush, when its buffered
// body passes handOverSize, or when it returns.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stopBase := context.AfterFunc(t.base, cancel)
	var released sync.Once
	w := newResponseWriter(func() {
		released.Do(func() {
			stopBase()
			cancel()
		})
	})
	stopClient := context.AfterFunc(req.Context(), func() { w.body.closeRead(req.Context().Err()) })
	w.body.clientCtx, w.body.stopClient = req.Context(), stopClient

	served := t.serverRequest(ctx, req)
	t.workers.run(func() { t.serve(w, served, req) })

	<-w.handedOver
	if w.failure != nil {
		stopClient()
		return nil, w.failure
	}
	return w.response(req), nil
}

// serverRequest is req as a server's handler receives it.
func (t *Transport) serverRequest(ctx context.Context, req *http.Request) *http.Request {
	r := req.Clone(ctx)
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	r.RequestURI = req.URL.RequestURI()
	r.Host = req.Host
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.RemoteAddr = remoteAddr
	r.TLS = t.tls
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	r.Close = false
	if r.Body == nil {
		r.Body = http.NoBody
	}
	return r
}

// serve runs the handler and finishes the response, turning a panic into
// a failed round trip (or an aborted body once the response was handed
// over), as net/http's server does for its connections.
func (t *Transport) serve(w *responseWriter, r *http.Request, orig *http.Request) {
	defer func() {
		if orig.Body != nil {
			_ = orig.Body.Close()
		}
		v := recover()
		if v == nil {
			w.finish(nil)
			return
		}
		if v != http.ErrAbortHandler {
			t.log.Error("in-process API handler panicked", "method", r.Method, "uri", r.RequestURI, "panic", v, "stack", string(debug.Stack()))
		}
		w.finish(fmt.Errorf("%w: %s %s", errHandlerAborted, r.Method, r.RequestURI))
	}()
	t.handler.ServeHTTP(w, r)
}
