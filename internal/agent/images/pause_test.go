package images

import (
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPauseELFParses(t *testing.T) {
	data, err := PauseELF("amd64")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("debug/elf cannot read the pause program: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC || len(f.Progs) != 1 {
		t.Fatalf("unexpected ELF: machine %v type %v progs %d", f.Machine, f.Type, len(f.Progs))
	}
	if _, err := PauseELF("mips"); !errors.Is(err, ErrUnsupportedArch) {
		t.Fatalf("PauseELF(mips) error = %v, want ErrUnsupportedArch", err)
	}
}

// TestPauseRuns runs the pause program on the host: it must keep running,
// sleeping rather than spinning, until signalled.
func TestPauseRuns(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Fatalf("pause program exists only for amd64, this is %s", runtime.GOARCH)
	}
	data, err := PauseELF(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pause: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("pause exited: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	// Little CPU: it sleeps rather than spins.
	if usage := cpuTicks(t, cmd.Process.Pid); usage > 10 {
		t.Errorf("pause used %d clock ticks of CPU in 1.5 s; it should sleep", usage)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("pause did not exit on SIGTERM outside a PID namespace")
	}
}

// cpuTicks returns utime+stime of pid from /proc/<pid>/stat.
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	fields := strings.Fields(rest)
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return utime + stime
}
