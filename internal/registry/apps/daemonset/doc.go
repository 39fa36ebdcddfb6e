// Package daemonset holds the apps/v1 DaemonSet resource: defaults,
// validation, spec/status split, the deprecated template generation
// annotation apps/v1 still reports, and table columns.
//
// It must not do I/O; placing pods on nodes is the controller's job.
package daemonset
