// Package handlers serves the REST verbs of every registered resource:
// get, list, watch, create, update, patch, delete and deletecollection on
// the main resource, and the status, scale, binding, eviction,
// ephemeralcontainers, namespace finalize and CSR approval subresources,
// plus the node-free answers of pods log, exec, attach and portforward
// (errors, or an empty log for an unscheduled pod). It decodes request bodies and query
// options, runs the resource's Strategy and the admission chain, talks to
// storage with the upstream key layout, applies the upstream object
// lifecycle (generateName, finalizers, graceful pod deletion, namespace
// termination), and encodes responses in the negotiated form (including
// meta.k8s.io Table and PartialObjectMetadata).
//
// It must not parse URLs, authenticate or authorize (the filter chain in
// internal/apiserver does that and puts request.Info and the user in the
// context), and must not know any kind's own rules beyond the few
// lifecycle rules upstream hard-codes for pods, namespaces,
// PodDisruptionBudgets and CSR approval.
package handlers
