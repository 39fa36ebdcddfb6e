// Package statefulset holds the apps/v1 StatefulSet resource: defaults
// (including those of the volume claim templates), validation with the
// upstream list of mutable spec fields, spec/status split, /scale access and
// table columns.
//
// It must not do I/O; creating pods and claims is the controller's job.
package statefulset
