// Package poddisruptionbudget holds the policy/v1 PodDisruptionBudget
// resource: validation, the spec/status split and table columns.
//
// It must not do I/O; computing allowed disruptions is the disruption
// controller's job and honouring them is the eviction subresource's.
package poddisruptionbudget
