// Package plugins holds Nauta's scheduling plugins, one file per plugin,
// named and behaving like upstream's in-tree plugins, and the default
// registry and profile (plugin order and score weights).
//
// Plugins read only the snapshot and the CycleState they are given; only
// DefaultBinder and DefaultPreemption talk to the API server.
package plugins
