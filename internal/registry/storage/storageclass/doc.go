// Package storageclass holds the storage.k8s.io/v1 StorageClass resource:
// reclaim policy and binding mode defaults, validation (provisioner,
// parameters, topologies) and immutability, and table columns (with the
// "(default)" marker).
//
// It must not do I/O or provision anything.
package storageclass
