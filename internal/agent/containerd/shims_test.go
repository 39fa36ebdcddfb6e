package containerd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for a shim: run under the shim's
// name it just waits to be killed.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == shimBinary {
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestShimsAndKillShims(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), shimBinary)
	if err := os.Symlink(self, fake); err != nil {
		t.Fatal(err)
	}
	address := filepath.Join(t.TempDir(), "containerd.sock")
	start := func(id, addr string) *exec.Cmd {
		cmd := exec.Command(fake, "-namespace", "k8s.io", "-id", id, "-address", addr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	mine := start("sandbox-a", address)
	other := start("sandbox-b", address+".other")

	// The processes need a moment to exist under /proc.
	deadline := time.Now().Add(5 * time.Second)
	for len(Shims(address)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := Shims(address)
	if len(got) != 1 || got["sandbox-a"] != mine.Process.Pid {
		t.Fatalf("Shims(%s) = %v, want only sandbox-a with pid %d", address, got, mine.Process.Pid)
	}

	if n := KillShims(address); n != 1 {
		t.Fatalf("KillShims signalled %d shims, want 1", n)
	}
	var exitErr *exec.ExitError
	if err := mine.Wait(); !errors.As(err, &exitErr) {
		t.Fatalf("the shim was not killed: %v", err)
	}
	if other.ProcessState != nil {
		t.Fatal("the shim of another containerd was killed")
	}
	if _, ok := Shims(address + ".other")["sandbox-b"]; !ok {
		t.Error("the shim of another containerd is gone")
	}
}
