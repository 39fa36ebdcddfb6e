// Package csinode holds the storage.k8s.io/v1 CSINode resource the kubelet
// writes to list the CSI drivers on its node: validation and table columns.
//
// It must not do I/O.
package csinode
