package scheduler

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTrimObject(t *testing.T) {
	container := v1.Container{
		Name: "c", Image: "busybox",
		Command: []string{"sleep"}, Args: []string{"1d"},
		Env:            []v1.EnvVar{{Name: "A", Value: "b"}},
		VolumeMounts:   []v1.VolumeMount{{Name: "v", MountPath: "/v"}},
		Ports:          []v1.ContainerPort{{ContainerPort: 80, HostPort: 8080}},
		Resources:      v1.ResourceRequirements{Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m")}},
		ReadinessProbe: &v1.Probe{},
	}
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "p", Labels: map[string]string{"app": "web"},
			Annotations:   map[string]string{v1.LastAppliedConfigAnnotation: "{}", "keep": "me"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		},
		Spec: v1.PodSpec{
			InitContainers: []v1.Container{container},
			Containers:     []v1.Container{container},
			Tolerations:    []v1.Toleration{{Key: "k", Operator: v1.TolerationOpExists}},
			Affinity:       &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{}},
		},
		Status: v1.PodStatus{
			Phase:             v1.PodPending,
			NominatedNodeName: "n1",
			Conditions:        []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionFalse}},
			ContainerStatuses: []v1.ContainerStatus{{Name: "c"}},
		},
	}
	got, err := trimObject(pod)
	if err != nil {
		t.Fatal(err)
	}
	p := got.(*v1.Pod)
	if p.ManagedFields != nil || p.Annotations[v1.LastAppliedConfigAnnotation] != "" || p.Annotations["keep"] != "me" {
		t.Errorf("metadata: %+v", p.ObjectMeta)
	}
	for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
		if c.Command != nil || c.Args != nil || c.Env != nil || c.VolumeMounts != nil || c.ReadinessProbe != nil {
			t.Errorf("container %s not trimmed: %+v", c.Name, c)
		}
		if c.Image != "busybox" || c.Resources.Requests.Cpu().MilliValue() != 100 || len(c.Ports) != 1 {
			t.Errorf("container %s lost what scheduling reads: %+v", c.Name, c)
		}
	}
	if p.Status.ContainerStatuses != nil || p.Status.NominatedNodeName != "n1" || len(p.Status.Conditions) != 1 ||
		len(p.Spec.Tolerations) != 1 || p.Spec.Affinity == nil || p.Labels["app"] != "web" {
		t.Errorf("pod trimmed too much or too little: %+v", p)
	}
	node := &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}}}
	if got, _ := trimObject(node); got.(*v1.Node).ManagedFields != nil {
		t.Error("node managedFields kept")
	}
}
