// Package rolebinding holds the rbac.authorization.k8s.io/v1 RoleBinding
// resource: API group defaults, role reference (immutable) and subject
// validation, and table columns.
//
// It must not do I/O or authorize anything.
package rolebinding
