// Package storagetest starts a real embedded etcd for tests of packages that
// need one. It must not be imported by non-test code.
package storagetest
