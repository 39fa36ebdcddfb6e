// Package clusterrole holds the rbac.authorization.k8s.io/v1 ClusterRole
// resource: policy rule and aggregation rule validation; the default
// Name/Created At table.
//
// It must not do I/O; aggregating rules is the clusterrole aggregation
// controller's job.
package clusterrole
