// Package kubeletapitest starts, for tests, a private containerd with one
// running pod and a kubelet API (package kubeletapi) in front of it, with a
// throw-away client CA, so callers can drive logs, exec, attach and port
// forwarding end to end.
//
// It is test support only: nothing outside _test files may import it. It
// needs root, containerd, runc, busybox-static and the CNI plugins, and
// fails (never skips) the test when they are missing.
package kubeletapitest
