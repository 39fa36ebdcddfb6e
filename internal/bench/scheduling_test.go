package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestWorkloadDeployment(t *testing.T) {
	tests := []struct {
		name                 string
		w                    Workload
		wantAffinity, wantTS bool
	}{
		{"plain", Workload{Deployments: 2, Replicas: 3}, false, false},
		{"anti-affinity", Workload{Deployments: 2, Replicas: 3, AntiAffinity: true}, true, false},
		{"spread", Workload{Deployments: 2, Replicas: 3, Spread: true}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.w.Deployment(7)
			if d.Name != "sched-0007" || *d.Spec.Replicas != 3 {
				t.Fatalf("name %q replicas %d", d.Name, *d.Spec.Replicas)
			}
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil {
				t.Fatal(err)
			}
			if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Fatalf("selector %s does not match template labels %v", sel, d.Spec.Template.Labels)
			}
			c := d.Spec.Template.Spec.Containers[0]
			if cpu := c.Resources.Requests.Cpu().MilliValue(); cpu != 10 {
				t.Errorf("cpu request %dm, want 10m", cpu)
			}
			if mem := c.Resources.Requests.Memory().Value(); mem != 16<<20 {
				t.Errorf("memory request %d, want 16Mi", mem)
			}
			spec := d.Spec.Template.Spec
			if got := spec.Affinity != nil; got != tt.wantAffinity {
				t.Fatalf("affinity set = %v, want %v", got, tt.wantAffinity)
			}
			if tt.wantAffinity {
				term := spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution[0]
				if term.PodAffinityTerm.TopologyKey != corev1.LabelHostname {
					t.Errorf("anti-affinity topology key %q", term.PodAffinityTerm.TopologyKey)
				}
			}
			if got := len(spec.TopologySpreadConstraints) == 1; got != tt.wantTS {
				t.Fatalf("spread set = %v, want %v", got, tt.wantTS)
			}
			if tt.wantTS {
				c := spec.TopologySpreadConstraints[0]
				if c.MaxSkew != 1 || c.TopologyKey != corev1.LabelTopologyZone || c.WhenUnsatisfiable != corev1.DoNotSchedule {
					t.Errorf("spread constraint %+v", c)
				}
			}
		})
	}
}

func TestPodTracker(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pod := func(name, node string, phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: node},
			Status:     corev1.PodStatus{Phase: phase},
		}
	}
	tr := newPodTracker()
	tr.observe(pod("a", "", corev1.PodPending), t0)
	tr.observe(pod("b", "", corev1.PodPending), t0.Add(time.Second))
	tr.observe(pod("a", "n1", corev1.PodPending), t0.Add(2*time.Second))
	// A later update of a bound pod must not move its bind time.
	tr.observe(pod("a", "n1", corev1.PodRunning), t0.Add(5*time.Second))
	tr.observe(pod("a", "n1", corev1.PodRunning), t0.Add(9*time.Second))
	tr.observe(pod("b", "n2", corev1.PodPending), t0.Add(4*time.Second))

	if tr.bound != 2 || tr.running != 1 {
		t.Fatalf("bound %d running %d, want 2 and 1", tr.bound, tr.running)
	}
	if !tr.firstBound.Equal(t0.Add(2*time.Second)) || !tr.lastBound.Equal(t0.Add(4*time.Second)) {
		t.Errorf("first/last bound %v %v", tr.firstBound, tr.lastBound)
	}
	if !tr.lastRunning.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("last running %v", tr.lastRunning)
	}
	lat := tr.bindLatencies()
	if len(lat) != 2 || lat.Percentile(50) != 2*time.Second || lat.Percentile(100) != 3*time.Second {
		t.Errorf("latencies %v", lat)
	}
}

func TestSchedulingReportWrite(t *testing.T) {
	r := &SchedulingReport{
		Nodes:       5000,
		Workload:    Workload{Deployments: 100, Replicas: 100, Spread: true},
		Bound:       10000,
		BindElapsed: 10 * time.Second,
	}
	if got := r.BindRate(); got != 1000 {
		t.Fatalf("BindRate %v, want 1000", got)
	}
	var b bytes.Buffer
	r.Write(&b)
	for _, want := range []string{"| 5000 | zone spread", "10000/10000", "1000 pods/s", "n/a"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestParseProcStatCPU(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
	}{
		{"plain", "31175 (nauta) S 31167 31167 1 0 -1 4194560 100 0 0 0 2091 231 0 0 20 0 40 0 1 2 3", 23220 * time.Millisecond},
		{"spaces and parens in the name", "7 (a (b) c) R 1 1 1 0 -1 0 0 0 0 0 150 50 0 0 20 0 1 0 1 2 3", 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStatCPU([]byte(tt.line))
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := parseProcStatCPU([]byte("1 (x) S 1 2")); err == nil {
		t.Error("short line: no error")
	}
}

func TestSchedulingReportCPU(t *testing.T) {
	r := &SchedulingReport{Bound: 1000, BindElapsed: 10 * time.Second, RunningElapsed: 12 * time.Second,
		ServerCPU: 30 * time.Second, IdleCores: 0.5, FirstBound: 2 * time.Second}
	if got := r.CPUPerPod(); got != 30*time.Millisecond {
		t.Errorf("CPUPerPod = %v", got)
	}
	// 12 s of load at 0.5 idle cores is 6 s of the 30.
	if got := r.CPUPerPodAboveIdle(); got != 24*time.Millisecond {
		t.Errorf("CPUPerPodAboveIdle = %v", got)
	}
	if got := r.SteadyBindRate(); got != 125 {
		t.Errorf("SteadyBindRate = %v", got)
	}
	var out bytes.Buffer
	r.Write(&out)
	for _, want := range []string{"30.00 ms per bound pod", "above idle 24.00 ms per bound pod", "then 125 pods/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWorkloadNamespaces(t *testing.T) {
	if got := (Workload{}).NamespaceNames("run"); len(got) != 1 || got[0] != "run" {
		t.Errorf("one namespace: %v", got)
	}
	got := Workload{Namespaces: 3}.NamespaceNames("run")
	if strings.Join(got, " ") != "run-0 run-1 run-2" {
		t.Errorf("three namespaces: %v", got)
	}
	// Pods of the same name in two namespaces are two pods.
	tr := newPodTracker()
	now := time.Now()
	for _, ns := range []string{"run-0", "run-1"} {
		tr.observe(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}, Spec: corev1.PodSpec{NodeName: "n"}}, now)
	}
	if len(tr.pods) != 2 || tr.bound != 2 {
		t.Errorf("tracked %d pods, %d bound", len(tr.pods), tr.bound)
	}
}
