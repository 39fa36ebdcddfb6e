// Package persistentvolumeclaim holds the core/v1 persistentvolumeclaims
// resource: volume mode default, phase Pending on create, claim spec
// validation, the update rules (spec immutable but for storage requests of
// bound claims and a first volumeName; no shrinking) and the table.
// Binding is done by another component. No I/O.
package persistentvolumeclaim
