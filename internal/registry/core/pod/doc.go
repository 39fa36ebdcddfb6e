// Package pod holds the core/v1 pods resource: defaults (including what
// upstream's admission adds that every pod shows, service account and
// priority), create/update/status validation with upstream's pod update
// immutability, the Pending phase and QoS class set on create, selectable
// fields and the kubectl table (READY, STATUS, RESTARTS, ...).
//
// It must not talk to storage or other components: scheduling, binding,
// tolerations from admission and status come from elsewhere.
package pod
