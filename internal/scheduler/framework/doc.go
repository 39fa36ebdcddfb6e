// Package framework holds the scheduling framework: the extension points
// (PreFilter, Filter, PostFilter, PreScore, Score with normalization and
// weights, Reserve, Permit, Bind), the Status values plugins return, the
// per-node view (NodeInfo) and the Snapshot a scheduling cycle reads, and
// the Framework that runs a profile of plugins over a snapshot.
//
// It does no I/O except through the Bind plugins it is given: it must not
// talk to the API server itself.
package framework
