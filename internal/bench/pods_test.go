package bench

import (
	"errors"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		pid      int
		comm     string
		ppid     int
		wantFail bool
	}{
		{name: "plain", line: "123 (containerd) S 45 123 123 0 -1", pid: 123, comm: "containerd", ppid: 45},
		{name: "comm with spaces and parens", line: "7 (a (b) c) R 1 7 7 0", pid: 7, comm: "a (b) c", ppid: 1},
		{name: "no parens", line: "7 containerd S 1", wantFail: true},
		{name: "truncated", line: "7 (x) S", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, comm, ppid, err := parseStat(tt.line)
			if tt.wantFail {
				if err == nil {
					t.Fatalf("parseStat(%q) = nil error, want one", tt.line)
				}
				return
			}
			if err != nil || pid != tt.pid || comm != tt.comm || ppid != tt.ppid {
				t.Fatalf("parseStat(%q) = %d %q %d %v, want %d %q %d", tt.line, pid, comm, ppid, err, tt.pid, tt.comm, tt.ppid)
			}
		})
	}
}

func TestProcMemFromStatus(t *testing.T) {
	status := "Name:\tnauta\nVmHWM:\t  130000 kB\nVmRSS:\t  120000 kB\nRssAnon:\t   30000 kB\nRssFile:\t   89000 kB\nRssShmem:\t    1000 kB\nThreads:\t12\n"
	got := procMemFromStatus(9, []byte(status))
	want := ProcMem{PID: 9, RSSKiB: 120000, HWMKiB: 130000, AnonKiB: 30000, FileKiB: 89000, ShmemKiB: 1000}
	if got != want {
		t.Fatalf("procMemFromStatus = %+v, want %+v", got, want)
	}
}

func TestReadProcMemSelf(t *testing.T) {
	m, err := ReadProcMem(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSSKiB <= 0 || m.AnonKiB+m.FileKiB+m.ShmemKiB != m.RSSKiB || m.PssKiB <= 0 {
		t.Fatalf("ReadProcMem(self) = %+v: want VmRSS > 0 and equal to its parts, and a Pss", m)
	}
}

func TestChildByNameMissing(t *testing.T) {
	_, err := ChildByName(os.Getpid(), "no-such-child-process")
	if !errors.Is(err, errNoChild) {
		t.Fatalf("ChildByName = %v, want errNoChild", err)
	}
}

func TestPodRunning(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	pod := func(phase corev1.PodPhase, states ...corev1.ContainerState) *corev1.Pod {
		p := benchPod("p")
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "second", Image: PodsImage})
		p.Status.Phase = phase
		for i, s := range states {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: p.Spec.Containers[i].Name, State: s})
		}
		return p
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{name: "pending", pod: pod(corev1.PodPending, waiting, waiting), want: false},
		{name: "running, one container still creating", pod: pod(corev1.PodRunning, running, waiting), want: false},
		{name: "running, one status missing", pod: pod(corev1.PodRunning, running), want: false},
		{name: "running, every container running", pod: pod(corev1.PodRunning, running, running), want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podRunning(tt.pod); got != tt.want {
				t.Fatalf("podRunning = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPodsReportWrite(t *testing.T) {
	r := &PodsReport{Pods: 2, Keep: 1, Latencies: Latencies{1e9, 2e9}, Bound: Latencies{1e6, 2e6},
		Agent: ProcMem{PID: 5, RSSKiB: 102400}}
	var b strings.Builder
	r.Write(&b)
	for _, want := range []string{"| 2 create → Running | 1000.00 ms | 2000.00 ms | 2000.00 ms |", "| agent (pid 5) | 100.0 MiB |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "containerd (pid") {
		t.Errorf("report shows containerd although it was not found:\n%s", b.String())
	}
}
