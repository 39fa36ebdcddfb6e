package pod

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func newPod() *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "nginx", Image: "nginx:1.25",
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("64Mi"),
			}},
		}}},
	}
	NewStrategy().Default(p)
	return p
}

func errStrings(errs field.ErrorList) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func TestDefaultAndCreate(t *testing.T) {
	s := NewStrategy()
	p := newPod()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "1.2.3.4"
	s.PrepareForCreate(context.Background(), p)
	if p.Spec.ServiceAccountName != "default" || p.Spec.DeprecatedServiceAccount != "default" {
		t.Errorf("service account = %q/%q", p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount)
	}
	if p.Spec.Priority != nil {
		t.Errorf("priority = %v, want it left to the Priority admission plugin", *p.Spec.Priority)
	}
	if p.Status.Phase != corev1.PodPending || p.Status.PodIP != "" {
		t.Errorf("status = %+v", p.Status)
	}
	if p.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("qos = %s", p.Status.QOSClass)
	}
	if p.Generation != 1 {
		t.Errorf("generation = %d", p.Generation)
	}
	if errs := s.Validate(context.Background(), p); len(errs) != 0 {
		t.Errorf("valid pod rejected: %v", errs)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []string
	}{
		{"ok", func(*corev1.Pod) {}, nil},
		{"bad name", func(p *corev1.Pod) { p.Name = "Web" }, []string{"FieldValueInvalid metadata.name"}},
		{"no namespace", func(p *corev1.Pod) { p.Namespace = "" }, []string{"FieldValueRequired metadata.namespace"}},
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil }, []string{"FieldValueRequired spec.containers"}},
		{"ephemeral on create", func(p *corev1.Pod) {
			p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				Name: "dbg", Image: "busybox", ImagePullPolicy: "Always", TerminationMessagePolicy: "File"}}}
		}, []string{"FieldValueForbidden spec.ephemeralContainers"}},
		{"image whitespace", func(p *corev1.Pod) { p.Spec.Containers[0].Image = " nginx" }, []string{"FieldValueInvalid spec.containers[0].image"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPod()
			tt.mutate(p)
			got := errStrings(NewStrategy().Validate(context.Background(), p))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*corev1.Pod)
		want      []string
		wantInMsg string
	}{
		{"image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.26" }, nil, ""},
		{"labels", func(p *corev1.Pod) { p.Labels["x"] = "y" }, nil, ""},
		{"deadline set", func(p *corev1.Pod) { d := int64(30); p.Spec.ActiveDeadlineSeconds = &d }, nil, ""},
		{"toleration added", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists})
		}, nil, ""},
		{"port change", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}
		}, []string{"FieldValueForbidden spec"}, "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"},
		{"add container", func(p *corev1.Pod) {
			c := p.Spec.Containers[0]
			c.Name = "side"
			p.Spec.Containers = append(p.Spec.Containers, c)
		}, []string{"FieldValueForbidden spec.containers"}, "pod updates may not add or remove containers"},
		{"node name", func(p *corev1.Pod) { p.Spec.NodeName = "n1" }, []string{"FieldValueForbidden spec"}, "pod updates may not change fields other than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := newPod()
			old.ResourceVersion = "1"
			p := old.DeepCopy()
			tt.mutate(p)
			errs := NewStrategy().ValidateUpdate(context.Background(), p, old)
			got := errStrings(errs)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("errors = %v, want %v", got, tt.want)
			}
			if tt.wantInMsg != "" && !strings.Contains(errs[0].Detail, tt.wantInMsg) {
				t.Errorf("detail = %q, want it to contain %q", errs[0].Detail, tt.wantInMsg)
			}
		})
	}
}

func TestStatusUpdate(t *testing.T) {
	s := NewStrategy()
	old := newPod()
	s.PrepareForCreate(context.Background(), old)
	old.ResourceVersion = "5"
	p := old.DeepCopy()
	p.Spec.NodeName = "sneaky"
	p.Labels["kubelet"] = "set"
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}}
	s.PrepareForStatusUpdate(context.Background(), p, old)
	if p.Spec.NodeName != "" || p.Status.Phase != corev1.PodRunning || p.Labels["kubelet"] != "set" {
		t.Errorf("after status prepare: nodeName=%q phase=%s labels=%v", p.Spec.NodeName, p.Status.Phase, p.Labels)
	}
	if errs := s.ValidateStatusUpdate(context.Background(), p, old); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
	p.Status.QOSClass = corev1.PodQOSBestEffort
	if errs := s.ValidateStatusUpdate(context.Background(), p, old); len(errs) != 1 || errs[0].Field != "status.qosClass" {
		t.Errorf("errors = %v", errs)
	}
	// A main update keeps the status and bumps generation on spec change.
	u := old.DeepCopy()
	u.Status = corev1.PodStatus{}
	u.Spec.Containers[0].Image = "nginx:2"
	s.PrepareForUpdate(context.Background(), u, old)
	if u.Status.Phase != corev1.PodPending || u.Generation != 2 {
		t.Errorf("phase=%s generation=%d", u.Status.Phase, u.Generation)
	}
}

func TestAttrs(t *testing.T) {
	p := newPod()
	p.Spec.NodeName = "n1"
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}}
	_, f, err := NewStrategy().Attrs(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"metadata.name": "web", "metadata.namespace": "default", "spec.nodeName": "n1",
		"spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler",
		"spec.serviceAccountName": "default", "spec.hostNetwork": "false", "status.phase": "Running",
		"status.podIP": "10.0.0.1", "status.podIPs": "10.0.0.1,fd00::1", "status.nominatedNodeName": "",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
}

func TestTableRow(t *testing.T) {
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(time.Now().Add(-d)) }
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	readyCond := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	tests := []struct {
		name     string
		mutate   func(*corev1.Pod)
		ready    string
		status   string
		restarts string
	}{
		{"pending", func(*corev1.Pod) {}, "0/1", "Pending", "0"},
		{"running", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", Ready: true, State: running}}
		}, "1/1", "Running", "0"},
		{"completed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}
		}, "0/1", "Completed", "0"},
		{"crashloop", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", RestartCount: 2,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(5 * time.Minute)}},
			}}
		}, "0/1", "CrashLoopBackOff", "2 (5m ago)"},
		{"init", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}, {Name: "b"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
				{Name: "b", State: running},
			}
		}, "0/1", "Init:1/2", "0"},
		{"init error", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}},
			}
		}, "0/1", "Init:ExitCode:2", "0"},
		{"init crashloop", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "a", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}},
			}
		}, "0/1", "Init:CrashLoopBackOff", "0"},
		{"terminating", func(p *corev1.Pod) {
			now := metav1.Now()
			p.DeletionTimestamp = &now
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", Ready: true, State: running}}
		}, "1/1", "Terminating", "0"},
		{"completed beside running", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side"})
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = readyCond
			p.Status.ContainerStatuses = []corev1.ContainerStatus{
				{Name: "nginx", Ready: true, State: running},
				{Name: "side", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}},
			}
		}, "1/2", "Running", "0"},
		{"oom", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}
		}, "0/1", "OOMKilled", "0"},
	}
	s := NewStrategy()
	if n := len(s.TableColumns()); n != 9 {
		t.Fatalf("columns = %d", n)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPod()
			p.CreationTimestamp = ago(time.Hour)
			s.PrepareForCreate(context.Background(), p)
			tt.mutate(p)
			row, err := s.TableRow(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(row) != 9 {
				t.Fatalf("cells = %d", len(row))
			}
			if row[1] != tt.ready || row[2] != tt.status || row[3] != tt.restarts || row[4] != "60m" {
				t.Errorf("row = %v, want ready=%s status=%s restarts=%s", row, tt.ready, tt.status, tt.restarts)
			}
			if row[5] != "<none>" || row[6] != "<none>" {
				t.Errorf("wide cells = %v", row[5:])
			}
		})
	}
}
