package containerd

import (
	"os"
	"os/exec"
	"testing"
)

// requireRuntime fails the test (it never skips, in CI or not) when the
// container runtime the agent needs is missing; scripts/install-deps.sh
// installs it for `make test`.
func requireRuntime(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("this test runs containerd and needs root (uid %d)", os.Geteuid())
	}
	for _, tool := range []struct{ bin, pkg string }{
		{"containerd", "containerd"},
		{"ctr", "containerd"},
		{"runc", "runc"},
	} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			t.Fatalf("%s not found: install the Debian package %s (apt-get install %s); CI=%q", tool.bin, tool.pkg, tool.pkg, os.Getenv("CI"))
		}
	}
	for _, file := range []struct{ path, pkg string }{
		{"/bin/busybox", "busybox-static"},
		{DefaultCNIBinDir + "/bridge", "containernetworking-plugins"},
		{DefaultCNIBinDir + "/host-local", "containernetworking-plugins"},
		{DefaultCNIBinDir + "/portmap", "containernetworking-plugins"},
		{DefaultCNIBinDir + "/loopback", "containernetworking-plugins"},
	} {
		if _, err := os.Stat(file.path); err != nil {
			t.Fatalf("%s not found: install the Debian package %s (apt-get install %s); CI=%q", file.path, file.pkg, file.pkg, os.Getenv("CI"))
		}
	}
}
