// Package storagetest holds what tests of the storage packages share: a
// real embedded etcd, pod fixtures (objects, keys, selector attributes) and
// watch assertions. It must not be imported by non-test code, and must not
// import storage, whose own tests use it.
package storagetest
