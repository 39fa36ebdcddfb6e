// Package controllertest starts a real in-process Nauta control plane
// (embedded etcd, storage, API server, via internal/server) for controller
// tests, and returns an admin client configuration for it. It only starts
// and stops the control plane; tests talk to it through client-go.
package controllertest
