// Package controllerrevision holds the apps/v1 ControllerRevision resource:
// immutable snapshots of a controller's template that StatefulSets and
// DaemonSets write for rollbacks.
//
// It must not interpret the stored data beyond checking it is a JSON object.
package controllerrevision
