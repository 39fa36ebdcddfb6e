// Package integration tests the controller manager and its controllers
// end to end against a real in-process control plane (embedded etcd,
// storage, API server) started by controllertest. It has no code of its
// own besides the tests.
package integration
