// Package cacher is the watch cache: one Cacher per storage prefix keeps
// the current objects and a window of recent events in memory, fed by a
// single etcd watch, and serves every client watch and resourceVersion="0"
// (or "at least N") reads from memory. Writes and consistent reads go to the
// underlying storage.Interface.
//
// It must not talk to etcd itself, know about HTTP, or change objects: the
// objects it hands out (watch events, list items) are shared between all
// readers and must be treated as read-only; callers DeepCopy before they
// modify one (Get copies into the caller's out object for them).
package cacher
