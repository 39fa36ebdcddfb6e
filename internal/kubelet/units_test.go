package kubelet

import (
	"encoding/json"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "x", "B": "y"}
	for _, tc := range []struct{ in, want string }{
		{"$(A)", "x"},
		{"$(A)-$(B)", "x-y"},
		{"$(C)", "$(C)"},
		{"$$(A)", "$(A)"},
		{"$(A", "$(A"},
		{"cost $5", "cost $5"},
		{"end$", "end$"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := expand(tc.in, vars); got != tc.want {
				t.Fatalf("expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	b := newBackoff(10*time.Second, 40*time.Second)
	t0 := time.Unix(1000, 0)
	if w := b.waitSince("k", t0, t0); w != 0 {
		t.Fatalf("first restart waits %v", w)
	}
	steps := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 40 * time.Second}
	for i, want := range steps {
		b.next("k", t0, time.Second)
		if got := b.current("k"); got != want {
			t.Fatalf("step %d: delay %v, want %v", i, got, want)
		}
	}
	if w := b.waitSince("k", t0, t0.Add(15*time.Second)); w != 25*time.Second {
		t.Fatalf("wait = %v", w)
	}
	b.next("k", t0, 11*time.Minute)
	if got := b.current("k"); got != 10*time.Second {
		t.Fatalf("after a long run the delay is %v", got)
	}
	b.forgetPrefix("k")
	if w := b.waitSince("k", t0, t0); w != 0 {
		t.Fatalf("after forget waits %v", w)
	}
}

func TestQOSClass(t *testing.T) {
	res := func(req, lim string) v1.ResourceRequirements {
		r := v1.ResourceRequirements{}
		if req != "" {
			r.Requests = v1.ResourceList{v1.ResourceCPU: resource.MustParse(req), v1.ResourceMemory: resource.MustParse("64Mi")}
		}
		if lim != "" {
			r.Limits = v1.ResourceList{v1.ResourceCPU: resource.MustParse(lim), v1.ResourceMemory: resource.MustParse("64Mi")}
		}
		return r
	}
	for _, tc := range []struct {
		name     string
		req, lim string
		want     v1.PodQOSClass
	}{
		{"none", "", "", v1.PodQOSBestEffort},
		{"equal", "100m", "100m", v1.PodQOSGuaranteed},
		{"request only", "100m", "", v1.PodQOSBurstable},
		{"lower request", "100m", "200m", v1.PodQOSBurstable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Resources: res(tc.req, tc.lim)}}}}
			if got := qosClass(pod); got != tc.want {
				t.Fatalf("qosClass = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPodPhase(t *testing.T) {
	running := v1.ContainerStatus{State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
	ok := v1.ContainerStatus{State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 0}}}
	bad := v1.ContainerStatus{State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 2}}}
	crash := v1.ContainerStatus{State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reasonCrashLoopBackOff}},
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 1}}}
	creating := v1.ContainerStatus{State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reasonContainerCreating}}}
	for _, tc := range []struct {
		name     string
		policy   v1.RestartPolicy
		statuses []v1.ContainerStatus
		initDone bool
		want     v1.PodPhase
	}{
		{"init pending", v1.RestartPolicyAlways, []v1.ContainerStatus{creating}, false, v1.PodPending},
		{"creating", v1.RestartPolicyAlways, []v1.ContainerStatus{creating}, true, v1.PodPending},
		{"running", v1.RestartPolicyAlways, []v1.ContainerStatus{running, ok}, true, v1.PodRunning},
		{"crash loop", v1.RestartPolicyAlways, []v1.ContainerStatus{crash}, true, v1.PodRunning},
		{"never ok", v1.RestartPolicyNever, []v1.ContainerStatus{ok}, true, v1.PodSucceeded},
		{"never failed", v1.RestartPolicyNever, []v1.ContainerStatus{ok, bad}, true, v1.PodFailed},
		{"onfailure ok", v1.RestartPolicyOnFailure, []v1.ContainerStatus{ok}, true, v1.PodSucceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{Spec: v1.PodSpec{RestartPolicy: tc.policy}}
			if got := podPhase(pod, tc.statuses, tc.initDone, false); got != tc.want {
				t.Fatalf("phase = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCNIConfList(t *testing.T) {
	b, err := cniConfList("10.1.2.0/24", DefaultCNIBridge)
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Name    string `json:"name"`
		Plugins []struct {
			Type         string          `json:"type"`
			Bridge       string          `json:"bridge"`
			IsGateway    bool            `json:"isGateway"`
			IPMasq       bool            `json:"ipMasq"`
			HairpinMode  bool            `json:"hairpinMode"`
			Capabilities map[string]bool `json:"capabilities"`
			IPAM         struct {
				Type   string `json:"type"`
				Ranges [][]struct {
					Subnet string `json:"subnet"`
				} `json:"ranges"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	if len(conf.Plugins) != 3 {
		t.Fatalf("plugins = %d", len(conf.Plugins))
	}
	br, pm, lo := conf.Plugins[0], conf.Plugins[1], conf.Plugins[2]
	// hairpinMode lets a pod reach itself through a Service or host port.
	if br.Type != "bridge" || br.Bridge != DefaultCNIBridge || !br.IsGateway || !br.IPMasq || !br.HairpinMode ||
		br.IPAM.Type != "host-local" || br.IPAM.Ranges[0][0].Subnet != "10.1.2.0/24" {
		t.Fatalf("bridge = %+v", br)
	}
	if pm.Type != "portmap" || !pm.Capabilities["portMappings"] || lo.Type != "loopback" {
		t.Fatalf("portmap/loopback = %+v %+v", pm, lo)
	}
}
