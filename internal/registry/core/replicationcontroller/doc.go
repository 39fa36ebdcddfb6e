// Package replicationcontroller holds the core/v1 replicationcontrollers
// resource: replicas and selector defaults, spec and template validation
// (the selector must match the template labels), generation tracking, the
// /status and /scale subresources, the status.replicas field selector and
// the table. The controller that creates pods lives elsewhere. No I/O.
package replicationcontroller
