// Package inprocess carries the API requests of clients that live in the
// API server's own process (controller manager, scheduler, simulated
// nodes) straight to the server's HTTP handler: an http.RoundTripper with
// no socket, TLS or HTTP/2 framing in between.
//
// Requests still pass the whole handler chain (authentication by the
// identity the transport is given, authorization, admission, metrics), and
// bodies stay serialized exactly as on the wire, so these clients behave as
// remote ones do. Streams (watches) are handed over at the first flush and
// keep back-pressure: a handler writing faster than its client reads
// blocks, as it would on a full HTTP/2 window.
//
// It must not be used for requests that hijack the connection (exec,
// attach, port-forward upgrades): the transport has no connection to give.
package inprocess
