// Package resourcequota holds the core/v1 resourcequotas resource: hard
// limit and scope validation, status kept apart from spec, and the NAME AGE
// REQUEST LIMIT table. Usage is computed by another component. No I/O.
package resourcequota
