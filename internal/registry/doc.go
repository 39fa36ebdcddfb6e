// Package registry describes the REST resources the API server serves: their
// names, storage location and per-kind Strategy (defaulting, validation,
// status/spec split, selectable fields, table columns).
//
// Each kind lives in its own folder below (registry/core/pod,
// registry/apps/deployment, ...); package registry/builtin lists them all.
// Nothing here does I/O: strategies are pure functions of the objects they
// are given, and the generic handlers in internal/apiserver call them.
package registry
