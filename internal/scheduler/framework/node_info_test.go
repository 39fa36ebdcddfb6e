package framework

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNewPodInfo(t *testing.T) {
	term := v1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		TopologyKey:   "kubernetes.io/hostname",
	}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "a"},
		Spec: v1.PodSpec{
			Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{
				Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m")},
			}}},
			Affinity: &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution:  []v1.PodAffinityTerm{term},
				PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 5, PodAffinityTerm: term}},
			}},
		},
	}
	tests := []struct {
		name         string
		info         *PodInfo
		wantMilliCPU int64
		wantNonZero  int64 // memory: the scoring default when none is asked for
	}{
		{"NewPodInfo", NewPodInfo(pod), 250, DefaultMemoryRequest},
		{"NewPodAffinityInfo", NewPodAffinityInfo(pod), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pi := tt.info
			if pi.ParseError != nil {
				t.Fatal(pi.ParseError)
			}
			if len(pi.RequiredAnti) != 1 || len(pi.PreferredAnti) != 1 || pi.PreferredAnti[0].Weight != 5 {
				t.Errorf("anti-affinity terms: required %d, preferred %+v", len(pi.RequiredAnti), pi.PreferredAnti)
			}
			if len(pi.RequiredAffinity) != 0 || len(pi.PreferredAff) != 0 {
				t.Errorf("affinity terms the pod does not have: %d, %d", len(pi.RequiredAffinity), len(pi.PreferredAff))
			}
			if pi.Requests.MilliCPU != tt.wantMilliCPU || pi.NonZeroRequests.Memory != tt.wantNonZero {
				t.Errorf("requests %+v, non-zero %+v", pi.Requests, pi.NonZeroRequests)
			}
		})
	}
}

func TestPodInfoUpdated(t *testing.T) {
	base := func() *v1.Pod {
		return &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "a", ResourceVersion: "1"},
			Spec: v1.PodSpec{
				NodeName: "n1",
				Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{
					Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m")},
				}}},
			},
		}
	}
	tests := []struct {
		name       string
		change     func(p *v1.Pod)
		wantReused bool
		wantCPU    int64
	}{
		{"status update", func(p *v1.Pod) {
			p.ResourceVersion = "2"
			p.Status.Phase = v1.PodRunning
		}, true, 250},
		{"same request written differently", func(p *v1.Pod) {
			p.Spec.Containers[0].Resources.Requests[v1.ResourceCPU] = resource.MustParse("0.25")
		}, true, 250},
		{"resized", func(p *v1.Pod) {
			p.Spec.Containers[0].Resources.Requests[v1.ResourceCPU] = resource.MustParse("500m")
		}, false, 500},
		{"overhead added", func(p *v1.Pod) {
			p.Spec.Overhead = v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m")}
		}, false, 350},
		{"affinity added", func(p *v1.Pod) {
			p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: v1.PodAffinityTerm{
					LabelSelector: &metav1.LabelSelector{}, TopologyKey: "zone",
				}}},
			}}
		}, false, 250},
		{"sidecar init container added", func(p *v1.Pod) {
			always := v1.ContainerRestartPolicyAlways
			p.Spec.InitContainers = []v1.Container{{Name: "s", RestartPolicy: &always}}
		}, false, 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := NewPodInfo(base())
			pod := base()
			tt.change(pod)
			got := old.Updated(pod)
			if got.Pod != pod {
				t.Error("the updated PodInfo does not hold the new pod")
			}
			if reused := sameDerivationInputs(old.Pod, pod); reused != tt.wantReused {
				t.Errorf("derived data kept = %v, want %v", reused, tt.wantReused)
			}
			if got.Requests.MilliCPU != tt.wantCPU {
				t.Errorf("cpu request %dm, want %dm", got.Requests.MilliCPU, tt.wantCPU)
			}
			if want := NewPodInfo(pod); len(got.PreferredAnti) != len(want.PreferredAnti) {
				t.Errorf("preferred anti-affinity terms %d, want %d", len(got.PreferredAnti), len(want.PreferredAnti))
			}
		})
	}
}
