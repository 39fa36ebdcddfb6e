// Package manager runs Nauta's controllers: it builds the client-go clients
// from a rest.Config, one shared informer factory per leadership term, and
// every registered controller (see registry.go), and, when leader election
// is on, runs them only while this process holds the
// kube-system/nauta-controller-manager Lease.
//
// It talks to the API server only through client-go and must not import the
// API server, storage or etcd packages; adding a controller is adding a
// folder under internal/controller and one line in registry.go.
package manager
