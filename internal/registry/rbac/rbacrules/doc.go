// Package rbacrules holds what the four rbac.authorization.k8s.io kinds
// share: policy rule validation, role reference and subject defaults and
// validation, the RBAC name rule and the binding table columns.
//
// It must not do I/O or evaluate permissions: privilege-escalation checks
// belong to the authorizer, not the registry.
package rbacrules
