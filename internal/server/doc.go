// Package server wires one node's control plane together and runs it:
// certificates (internal/pki), etcd (internal/etcd), the etcd store and one
// watch cache per storage prefix (internal/storage), the API server
// (internal/apiserver) behind a TLS listener, the bootstrap of the system
// namespaces, and the controllers, each a Runnable under one supervisor.
//
// It owns ordering and lifecycles, not behaviour: it must not serve
// requests, touch etcd keys or implement a controller itself. Everything
// after the API server is up talks to it through client-go on loopback.
package server
