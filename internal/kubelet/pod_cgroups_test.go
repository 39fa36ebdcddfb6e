package kubelet

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPodCgroupResources(t *testing.T) {
	res := func(cpuReq, cpuLim, memLim string) v1.ResourceRequirements {
		r := v1.ResourceRequirements{Requests: v1.ResourceList{}, Limits: v1.ResourceList{}}
		if cpuReq != "" {
			r.Requests[v1.ResourceCPU] = resource.MustParse(cpuReq)
		}
		if cpuLim != "" {
			r.Limits[v1.ResourceCPU] = resource.MustParse(cpuLim)
		}
		if memLim != "" {
			r.Limits[v1.ResourceMemory] = resource.MustParse(memLim)
			r.Requests[v1.ResourceMemory] = resource.MustParse(memLim)
		}
		return r
	}
	pod := func(init []v1.Container, cs ...v1.ResourceRequirements) *v1.Pod {
		p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1"}, Spec: v1.PodSpec{InitContainers: init}}
		for _, r := range cs {
			p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: r})
		}
		return p
	}
	const mi = 1 << 20
	for _, tc := range []struct {
		name string
		pod  *v1.Pod
		want podCgroupConfig
		path string
	}{
		{"best effort", pod(nil, v1.ResourceRequirements{}), podCgroupConfig{cpuShares: 2}, "/kubepods/besteffort/podu1"},
		{"guaranteed sums", pod(nil, res("100m", "100m", "32Mi"), res("200m", "200m", "32Mi")),
			podCgroupConfig{cpuShares: 307, cpuQuota: 30000, memoryLimit: 64 * mi}, "/kubepods/podu1"},
		{"burstable without every limit", pod(nil, res("100m", "", "32Mi"), res("250m", "", "")),
			podCgroupConfig{cpuShares: 358}, "/kubepods/burstable/podu1"},
		{"burstable with every limit", pod(nil, res("100m", "500m", "32Mi")),
			podCgroupConfig{cpuShares: 102, cpuQuota: 50000, memoryLimit: 32 * mi}, "/kubepods/burstable/podu1"},
		{"a bigger init container counts alone", pod([]v1.Container{{Resources: res("1", "1", "128Mi")}}, res("100m", "100m", "32Mi")),
			podCgroupConfig{cpuShares: 1024, cpuQuota: 100000, memoryLimit: 128 * mi}, "/kubepods/podu1"},
		{"a sidecar adds up", pod([]v1.Container{{RestartPolicy: ptr.To(v1.ContainerRestartPolicyAlways), Resources: res("100m", "100m", "16Mi")}},
			res("100m", "100m", "32Mi")),
			podCgroupConfig{cpuShares: 204, cpuQuota: 20000, memoryLimit: 48 * mi}, "/kubepods/podu1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := podCgroupResources(tc.pod); got != tc.want {
				t.Fatalf("podCgroupResources = %+v, want %+v", got, tc.want)
			}
			if got := podCgroupName(tc.pod); got != tc.path {
				t.Fatalf("podCgroupName = %q, want %q", got, tc.path)
			}
		})
	}
}

func TestQOSCgroupShares(t *testing.T) {
	burstable := func(cpu string, phase v1.PodPhase) *v1.Pod {
		return &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Resources: v1.ResourceRequirements{
			Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse(cpu)}}}}},
			Status: v1.PodStatus{Phase: phase}}
	}
	pods := []*v1.Pod{
		burstable("500m", v1.PodRunning),
		burstable("250m", v1.PodPending),
		burstable("1", v1.PodSucceeded),                    // finished: no longer counts
		{Spec: v1.PodSpec{Containers: []v1.Container{{}}}}, // best effort
	}
	got := qosCgroupShares(pods, 2)
	want := map[string]int64{"/kubepods": 2048, "/kubepods/besteffort": 2, "/kubepods/burstable": 512 + 256}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s cpu.shares = %d, want %d", k, got[k], v)
		}
	}
	if got := qosCgroupShares(nil, 1)["/kubepods/burstable"]; got != 2 {
		t.Errorf("no burstable pods: shares %d", got)
	}
}

func TestMemoryVolumeSize(t *testing.T) {
	node, err := memTotal()
	if err != nil {
		t.Fatal(err)
	}
	limited := func(mem string) *v1.Pod {
		return &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Resources: v1.ResourceRequirements{
			Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse(mem)}}}}}}
	}
	size := func(s string) *v1.EmptyDirVolumeSource {
		return &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse(s))}
	}
	for _, tc := range []struct {
		name string
		pod  *v1.Pod
		src  *v1.EmptyDirVolumeSource
		want int64
	}{
		{"nothing set: the node's memory", &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{}}}}, &v1.EmptyDirVolumeSource{}, node},
		{"sizeLimit", &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{}}}}, size("8Mi"), 8 << 20},
		{"pod limit is smaller", limited("16Mi"), size("64Mi"), 16 << 20},
		{"sizeLimit is smaller", limited("64Mi"), size("8Mi"), 8 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memoryVolumeSize(tc.pod, tc.src); got != tc.want {
				t.Fatalf("memoryVolumeSize = %d, want %d", got, tc.want)
			}
		})
	}
}
