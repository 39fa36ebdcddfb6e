// Package cri is the agent's client side of the Container Runtime Interface
// (k8s.io/cri-api v1): it dials a runtime's gRPC socket and exposes the
// RuntimeService and ImageService clients.
//
// It owns only the connection. It must not decide anything about pods or
// containers; the kubelet does that on top of Client.
package cri
