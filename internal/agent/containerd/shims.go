package containerd

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// shimBinary is the shim containerd starts for runc.
const shimBinary = "containerd-shim-runc-v2"

// Shims returns the containerd-shim-runc-v2 processes serving the
// containerd at address (its socket path), by shim id.
//
// Shims outlive containerd on purpose, so that containers keep running
// while containerd restarts; a restarted containerd finds them again in its
// state directory.
func Shims(address string) map[string]int {
	out := map[string]int{}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited meanwhile
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 0 || filepath.Base(args[0]) != shimBinary {
			continue
		}
		id, addr := "", ""
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "-id":
				id = args[i+1]
			case "-address":
				addr = args[i+1]
			}
		}
		if addr != address || id == "" {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err == nil {
			out[id] = pid
		}
	}
	return out
}

// KillShims kills the shims serving address and returns how many it
// signalled. It is for a data directory that is about to be removed: its
// containerd will never come back to shut down a shim whose last task it
// deleted just before it stopped.
func KillShims(address string) int {
	n := 0
	for _, pid := range Shims(address) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}
