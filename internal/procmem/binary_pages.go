package procmem

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// binaryMapping is one read-only mapping of the running executable.
type binaryMapping struct {
	start, end uintptr
	perms      string
}

// ReleaseStartupBinaryPages unmaps the read-only pages of the running
// executable (code, read-only data, the function tables) from this
// process, so that only the pages it touches afterwards count in its RSS.
//
// Why: package initialisation runs code all over the one Nauta binary
// (etcd, kubectl and API server packages included), and recent kernels
// map a whole large page-cache folio, up to 2 MiB, into the process on the
// first touch. A node agent that ran that code once would keep most of the
// binary resident for good. The pages stay in the page cache (shared,
// clean, reclaimable); the ones the agent uses fault back in on their next
// touch. Writable mappings (data, bss, heap) are never touched: dropping
// them would lose data.
//
// It returns the bytes of mappings released.
func ReleaseStartupBinaryPages() (int, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("find the executable: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("read the process's mappings: %w", err)
	}
	mappings, err := readOnlyMappingsOf(f, exe)
	f.Close()
	if err != nil {
		return 0, err
	}
	released := 0
	for _, m := range mappings {
		length := int(m.end - m.start)
		// MADV_DONTNEED on a private file mapping only zaps the page
		// table entries of clean pages; these mappings have no dirty
		// private copies because they are not writable.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, uintptr(length), unix.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("madvise %s %#x-%#x: %w", m.perms, m.start, m.end, errno)
		}
		released += length
	}
	return released, nil
}

// readOnlyMappingsOf parses /proc/self/maps and returns the mappings of
// path that are neither writable nor shared.
func readOnlyMappingsOf(r io.Reader, path string) ([]binaryMapping, error) {
	var out []binaryMapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// address perms offset dev inode pathname
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || strings.Join(fields[5:], " ") != path {
			continue
		}
		perms := fields[1]
		if len(perms) < 4 || perms[1] == 'w' || perms[3] != 'p' {
			continue
		}
		from, to, ok := strings.Cut(fields[0], "-")
		if !ok {
			return nil, fmt.Errorf("malformed mapping %q", sc.Text())
		}
		start, err := strconv.ParseUint(from, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed mapping %q: %w", sc.Text(), err)
		}
		end, err := strconv.ParseUint(to, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed mapping %q: %w", sc.Text(), err)
		}
		out = append(out, binaryMapping{start: uintptr(start), end: uintptr(end), perms: perms})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the process's mappings: %w", err)
	}
	return out, nil
}
