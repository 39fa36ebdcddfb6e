// Package persistentvolume holds the core/v1 persistentvolumes resource:
// reclaim policy and volume mode defaults, phase Pending on create, spec
// validation (one source, storage capacity, access modes), the update rule
// that keeps the volume source immutable, and the table. Binding is done
// by another component. No I/O.
package persistentvolume
