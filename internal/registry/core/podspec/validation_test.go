package podspec

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validSpec() corev1.PodSpec {
	s := corev1.PodSpec{
		Containers: []corev1.Container{{Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}}},
	}
	DefaultPodSpec(&s)
	return s
}

// errPaths renders errors as "type path" strings for comparison.
func errPaths(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func TestValidatePodSpec(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.PodSpec)
		want   []string
	}{
		{"valid", func(*corev1.PodSpec) {}, nil},
		{"no containers", func(s *corev1.PodSpec) { s.Containers = nil }, []string{"FieldValueRequired spec.containers"}},
		{"no image", func(s *corev1.PodSpec) { s.Containers[0].Image = "" }, []string{"FieldValueRequired spec.containers[0].image"}},
		{"bad name", func(s *corev1.PodSpec) { s.Containers[0].Name = "Web_1" }, []string{"FieldValueInvalid spec.containers[0].name"}},
		{"duplicate name", func(s *corev1.PodSpec) {
			c := s.Containers[0]
			c.Ports = nil
			s.Containers = append(s.Containers, c)
		}, []string{"FieldValueDuplicate spec.containers[1].name"}},
		{"port range", func(s *corev1.PodSpec) { s.Containers[0].Ports[0].ContainerPort = 70000 }, []string{"FieldValueInvalid spec.containers[0].ports[0].containerPort"}},
		{"protocol", func(s *corev1.PodSpec) { s.Containers[0].Ports[0].Protocol = "HTTP" }, []string{"FieldValueNotSupported spec.containers[0].ports[0].protocol"}},
		{"restartPolicy", func(s *corev1.PodSpec) { s.RestartPolicy = "Sometimes" }, []string{"FieldValueNotSupported spec.restartPolicy"}},
		{"dnsPolicy", func(s *corev1.PodSpec) { s.DNSPolicy = "Nope" }, []string{"FieldValueNotSupported spec.dnsPolicy"}},
		{"dns none without config", func(s *corev1.PodSpec) { s.DNSPolicy = corev1.DNSNone }, []string{"FieldValueRequired spec.dnsConfig"}},
		{"volume two sources", func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}}}
		}, []string{"FieldValueForbidden spec.volumes[0].hostPath"}},
		{"volume no source", func(s *corev1.PodSpec) { s.Volumes = []corev1.Volume{{Name: "v"}} }, []string{"FieldValueRequired spec.volumes[0]"}},
		{"volume duplicate", func(s *corev1.PodSpec) {
			v := corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
			s.Volumes = []corev1.Volume{v, v}
		}, []string{"FieldValueDuplicate spec.volumes[1].name"}},
		{"mount unknown volume", func(s *corev1.PodSpec) {
			s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "missing", MountPath: "/m"}}
		}, []string{"FieldValueNotFound spec.containers[0].volumeMounts[0].name"}},
		{"negative request", func(s *corev1.PodSpec) {
			s.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("-1")}
		}, []string{"FieldValueInvalid spec.containers[0].resources.requests[cpu]"}},
		{"request above limit", func(s *corev1.PodSpec) {
			s.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
			s.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		}, []string{"FieldValueInvalid spec.containers[0].resources.requests"}},
		{"probe two handlers", func(s *corev1.PodSpec) {
			p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec:      &corev1.ExecAction{Command: []string{"true"}},
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
			}}
			DefaultProbe(p)
			s.Containers[0].ReadinessProbe = p
		}, []string{"FieldValueForbidden spec.containers[0].readinessProbe.tcpSocket"}},
		{"probe no handler", func(s *corev1.PodSpec) {
			p := &corev1.Probe{}
			DefaultProbe(p)
			s.Containers[0].LivenessProbe = p
		}, []string{"FieldValueRequired spec.containers[0].livenessProbe"}},
		{"toleration effect", func(s *corev1.PodSpec) {
			s.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: "Bad"}}
		}, []string{"FieldValueNotSupported spec.tolerations[0].effect"}},
		{"node selector", func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"bad key!": "v"} }, []string{"FieldValueInvalid spec.nodeSelector"}},
		{"init probe", func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init", Image: "busybox", ImagePullPolicy: "Always", TerminationMessagePolicy: "File",
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}}}}}
		}, []string{"FieldValueForbidden spec.initContainers[0].livenessProbe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSpec()
			tt.mutate(&s)
			got := errPaths(ValidatePodSpec(&s, field.NewPath("spec"), Options{ResourceIsPod: true}))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateReplicatedPodTemplate(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: validSpec()}
	tmpl.Labels = map[string]string{"app": "web"}
	sel := labels.SelectorFromSet(labels.Set{"app": "other"})
	errs := ValidateReplicatedPodTemplate(tmpl, sel, "ReplicationController", field.NewPath("spec", "template"))
	if len(errs) != 1 || errs[0].Field != "spec.template.metadata.labels" || !strings.Contains(errs[0].Detail, "`selector` does not match template `labels`") {
		t.Fatalf("errs = %v", errs)
	}
	tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	errs = ValidateReplicatedPodTemplate(tmpl, labels.SelectorFromSet(labels.Set{"app": "web"}), "ReplicaSet", field.NewPath("spec", "template"))
	if got := errPaths(errs); len(got) != 1 || got[0] != "FieldValueNotSupported spec.template.spec.restartPolicy" {
		t.Fatalf("errs = %v", got)
	}
}

func TestValidatePersistentVolumeClaimSpec(t *testing.T) {
	spec := corev1.PersistentVolumeClaimSpec{}
	got := errPaths(ValidatePersistentVolumeClaimSpec(&spec, field.NewPath("spec")))
	want := []string{"FieldValueRequired spec.accessModes", "FieldValueRequired spec.resources[storage]"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errors = %v, want %v", got, want)
	}
}
