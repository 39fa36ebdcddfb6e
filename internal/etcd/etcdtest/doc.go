// Package etcdtest starts etcd servers for tests: an embedded one in a
// temporary directory, or Debian's etcd binary (an older etcd, 3.4) as an
// external server on free loopback ports. It never reuses a system etcd
// (Debian starts one on 2379 where systemd runs).
//
// It is for tests only and must not be imported by production code.
package etcdtest
