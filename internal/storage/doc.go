// Package storage is the API server's persistence layer on etcd v3.
//
// It owns the storage contract (Interface, its options and error kinds), the
// etcd-backed Store that implements it for any type in apischeme.Scheme
// (objects encoded as protobuf with the "k8s\x00" envelope, JSON for types
// without protobuf support; resourceVersion is the etcd mod revision), the
// continue-token encoding of paged lists, and the Compactor that trims etcd
// history.
//
// It must not know about HTTP, API groups' REST rules, admission or any
// particular kind: callers pass typed objects and keys. The watch cache that
// fans one etcd watch out to many clients lives in storage/cacher.
//
// Objects returned by Get, GetList and Watch from a Store are fresh copies
// with an empty TypeMeta (like list items upstream); the API layer's encoder
// sets apiVersion/kind.
package storage
