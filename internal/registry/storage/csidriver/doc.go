// Package csidriver holds the storage.k8s.io/v1 CSIDriver resource:
// defaults, validation, the fields fixed after creation, and table columns.
// It also exports the CSI driver name check the other storage kinds share.
//
// It must not do I/O or talk to CSI drivers.
package csidriver
