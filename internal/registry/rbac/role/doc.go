// Package role holds the rbac.authorization.k8s.io/v1 Role resource:
// policy rule validation; the default Name/Created At table.
//
// It must not do I/O or authorize anything.
package role
