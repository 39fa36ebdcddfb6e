// Package clusterrolebinding holds the rbac.authorization.k8s.io/v1
// ClusterRoleBinding resource: API group defaults, role reference
// (ClusterRole only, immutable) and subject validation, and table columns.
//
// It must not do I/O or authorize anything.
package clusterrolebinding
