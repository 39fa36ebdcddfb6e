package podspec

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultImagePullPolicy(t *testing.T) {
	tests := []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.25", corev1.PullIfNotPresent},
		{"registry:5000/nginx", corev1.PullAlways},
		{"registry:5000/nginx:1.0", corev1.PullIfNotPresent},
		{"nginx@sha256:abc", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:abc", corev1.PullAlways},
		{"", corev1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := DefaultImagePullPolicy(tt.image); got != tt.want {
				t.Errorf("DefaultImagePullPolicy(%q) = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
}

func TestDefaultPod(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "c", Image: "nginx:1.25",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("500m"),
			}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}},
			Env:           []corev1.EnvVar{{Name: "N", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
		}},
		Volumes: []corev1.Volume{
			{Name: "a"},
			{Name: "b", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			{Name: "c", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
		},
	}}
	DefaultPod(pod)
	s := pod.Spec
	c := s.Containers[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"restartPolicy", s.RestartPolicy == corev1.RestartPolicyAlways},
		{"dnsPolicy", s.DNSPolicy == corev1.DNSClusterFirst},
		{"grace", s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds == 30},
		{"scheduler", s.SchedulerName == "default-scheduler"},
		{"securityContext", s.SecurityContext != nil},
		{"serviceLinks", s.EnableServiceLinks != nil && *s.EnableServiceLinks},
		{"pullPolicy", c.ImagePullPolicy == corev1.PullIfNotPresent},
		{"terminationMessagePath", c.TerminationMessagePath == "/dev/termination-log"},
		{"terminationMessagePolicy", c.TerminationMessagePolicy == corev1.TerminationMessageReadFile},
		{"protocol", c.Ports[0].Protocol == corev1.ProtocolTCP},
		{"requests from limits", c.Resources.Requests.Cpu().String() == "500m"},
		{"probe timeout", c.LivenessProbe.TimeoutSeconds == 1 && c.LivenessProbe.PeriodSeconds == 10},
		{"probe thresholds", c.LivenessProbe.SuccessThreshold == 1 && c.LivenessProbe.FailureThreshold == 3},
		{"probe http", c.LivenessProbe.HTTPGet.Scheme == corev1.URISchemeHTTP && c.LivenessProbe.HTTPGet.Path == "/"},
		{"fieldRef apiVersion", c.Env[0].ValueFrom.FieldRef.APIVersion == "v1"},
		{"emptyDir", s.Volumes[0].EmptyDir != nil},
		{"configMap mode", *s.Volumes[1].ConfigMap.DefaultMode == 420},
		{"hostPath type", s.Volumes[2].HostPath.Type != nil && *s.Volumes[2].HostPath.Type == ""},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s not defaulted: %+v", ch.name, pod.Spec)
		}
	}
}

func TestDefaultPodTemplateKeepsRequestsEmpty(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "nginx",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
	}}}}
	DefaultPodTemplateSpec(tmpl)
	if tmpl.Spec.Containers[0].Resources.Requests != nil {
		t.Errorf("template requests defaulted: %v", tmpl.Spec.Containers[0].Resources.Requests)
	}
	if tmpl.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("pull policy = %q", tmpl.Spec.Containers[0].ImagePullPolicy)
	}
}

func TestHostNetworkDefaultsHostPort(t *testing.T) {
	spec := &corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "c", Image: "x", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}
	DefaultPodSpec(spec)
	if spec.Containers[0].Ports[0].HostPort != 8080 {
		t.Errorf("hostPort = %d", spec.Containers[0].Ports[0].HostPort)
	}
}

func TestQOSClass(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return l
	}
	tests := []struct {
		name string
		res  []corev1.ResourceRequirements
		want corev1.PodQOSClass
	}{
		{"none", []corev1.ResourceRequirements{{}}, corev1.PodQOSBestEffort},
		{"equal", []corev1.ResourceRequirements{{Requests: rl("1", "1Gi"), Limits: rl("1", "1Gi")}}, corev1.PodQOSGuaranteed},
		{"only cpu", []corev1.ResourceRequirements{{Requests: rl("1", ""), Limits: rl("1", "")}}, corev1.PodQOSBurstable},
		{"request lower", []corev1.ResourceRequirements{{Requests: rl("500m", "1Gi"), Limits: rl("1", "1Gi")}}, corev1.PodQOSBurstable},
		{"one of two", []corev1.ResourceRequirements{{Requests: rl("1", "1Gi"), Limits: rl("1", "1Gi")}, {}}, corev1.PodQOSBurstable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &corev1.PodSpec{}
			for i, r := range tt.res {
				spec.Containers = append(spec.Containers, corev1.Container{Name: string(rune('a' + i)), Resources: r})
			}
			if got := QOSClass(spec); got != tt.want {
				t.Errorf("QOSClass = %s, want %s", got, tt.want)
			}
		})
	}
}
