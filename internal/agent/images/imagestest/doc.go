// Package imagestest serves images to tests the way a registry would: a
// read-only OCI distribution (registry v2) server on loopback, filled from
// the OCI layout tarballs package images writes. Point containerd at it
// through containerd.Config.RegistryMirrors to test image pulls.
//
// It is test support only: nothing outside _test files may import it.
package imagestest
