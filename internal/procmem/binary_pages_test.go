package procmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestReadOnlyMappingsOf(t *testing.T) {
	const maps = `00400000-02a00000 r-xp 00000000 fe:00 1234 /usr/bin/nauta
02a00000-05000000 r--p 02600000 fe:00 1234 /usr/bin/nauta
05000000-05100000 rw-p 04c00000 fe:00 1234 /usr/bin/nauta
05100000-05200000 rw-p 00000000 00:00 0
7f0000000000-7f0000001000 r--s 00000000 fe:00 99 /usr/bin/nauta
7f0000002000-7f0000003000 r--p 00000000 fe:00 77 /usr/bin/nauta-old
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]
`
	got, err := readOnlyMappingsOf(strings.NewReader(maps), "/usr/bin/nauta")
	if err != nil {
		t.Fatal(err)
	}
	want := []binaryMapping{
		{start: 0x00400000, end: 0x02a00000, perms: "r-xp"},
		{start: 0x02a00000, end: 0x05000000, perms: "r--p"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d mappings %+v, want %+v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	if _, err := readOnlyMappingsOf(strings.NewReader("zz-00 r-xp 0 fe:00 1 /usr/bin/nauta\n"), "/usr/bin/nauta"); err == nil {
		t.Error("a malformed address was accepted")
	}
}

// TestReleaseStartupBinaryPages runs the release in this test process: the
// executable's pages leave the RSS, and the code that runs after it (this
// test's own) faults back in.
func TestReleaseStartupBinaryPages(t *testing.T) {
	before := rssFileKiB(t)
	released, err := ReleaseStartupBinaryPages()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFileKiB(t)
	if released == 0 {
		t.Fatal("no mapping of the executable was released")
	}
	if after >= before {
		t.Errorf("RssFile %d KiB after the release, was %d KiB", after, before)
	}
}

func rssFileKiB(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssFile:"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("parse %q: %v", sc.Text(), err)
			}
			return kib
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
