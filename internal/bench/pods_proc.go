package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcMem is one process's memory as the kernel reports it, in KiB.
type ProcMem struct {
	PID    int
	RSSKiB int64 // VmRSS
	HWMKiB int64 // VmHWM: peak RSS
	// VmRSS split: anonymous (heap, stacks), file-backed (the binary's
	// text and data, mmapped files) and shared memory.
	AnonKiB, FileKiB, ShmemKiB int64
	// From smaps_rollup: Pss charges each shared page to the processes
	// mapping it in equal parts (the server and the agent share the
	// binary's pages); FilePmdMappedKiB is file memory mapped in 2 MiB
	// folios, which the kernel makes resident whole.
	PssKiB, FilePmdMappedKiB int64
}

// ReadProcMem reads pid's /proc status, where the kernel splits VmRSS
// into RssAnon, RssFile and RssShmem.
func ReadProcMem(pid int) (ProcMem, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcMem{PID: pid}, err
	}
	m := procMemFromStatus(pid, status)
	rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return m, err
	}
	kb := parseKiBFields(rollup)
	m.PssKiB, m.FilePmdMappedKiB = kb["Pss"], kb["FilePmdMapped"]
	return m, nil
}

func procMemFromStatus(pid int, status []byte) ProcMem {
	kb := parseKiBFields(status)
	return ProcMem{PID: pid, RSSKiB: kb["VmRSS"], HWMKiB: kb["VmHWM"],
		AnonKiB: kb["RssAnon"], FileKiB: kb["RssFile"], ShmemKiB: kb["RssShmem"]}
}

// parseKiBFields parses "Name:   123 kB" lines; other lines are skipped.
func parseKiBFields(b []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		if v, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// errNoChild is returned by ChildByName when no child matches.
var errNoChild = errors.New("no such child process")

// ChildByName returns the PID of a direct child of parent whose command
// name (/proc/PID/stat comm) is name.
func ChildByName(parent int, name string) (int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process exited
		}
		pid, comm, ppid, err := parseStat(string(b))
		if err == nil && ppid == parent && comm == name {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("%q under pid %d: %w", name, parent, errNoChild)
}

// parseStat returns pid, comm and ppid from a /proc/PID/stat line. comm is
// in parentheses and may itself hold spaces and parentheses, so the fields
// after it are found from the last ')'.
func parseStat(s string) (pid int, comm string, ppid int, err error) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return 0, "", 0, fmt.Errorf("malformed stat %q", s)
	}
	if pid, err = strconv.Atoi(strings.TrimSpace(s[:open])); err != nil {
		return 0, "", 0, fmt.Errorf("malformed stat pid: %w", err)
	}
	rest := strings.Fields(s[end+1:])
	if len(rest) < 2 {
		return 0, "", 0, fmt.Errorf("malformed stat %q", s)
	}
	if ppid, err = strconv.Atoi(rest[1]); err != nil {
		return 0, "", 0, fmt.Errorf("malformed stat ppid: %w", err)
	}
	return pid, s[open+1 : end], ppid, nil
}
