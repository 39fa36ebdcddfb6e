// Package replicaset holds the apps/v1 ReplicaSet resource: defaults,
// validation, spec/status split, /scale access, the status.replicas field
// selector and table columns.
//
// It must not do I/O; keeping the pod count is the controller's job.
package replicaset
