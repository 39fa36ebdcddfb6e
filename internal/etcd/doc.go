// Package etcd gives the API server's storage layer an etcd client: either
// an etcd embedded in this process (data in DATA_DIR/etcd, reachable only
// through a unix socket so it never collides with a system etcd on
// 2379/2380), or an external cluster given by --etcd-servers. Both are
// Runnables with a ready channel and hand out a *clientv3.Client.
//
// It must not read or write Kubernetes objects: key layout, encoding and
// compaction belong to internal/storage.
package etcd
