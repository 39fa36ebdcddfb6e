package service

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func errStrings(errs field.ErrorList) string {
	out := []string{}
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return strings.Join(out, "|")
}

func newService(mutate func(*corev1.Service)) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}
	if mutate != nil {
		mutate(svc)
	}
	s := NewStrategy()
	s.Default(svc)
	s.PrepareForCreate(context.Background(), svc)
	return svc
}

func TestDefaults(t *testing.T) {
	svc := newService(nil)
	spec := svc.Spec
	if spec.Type != corev1.ServiceTypeClusterIP || spec.SessionAffinity != corev1.ServiceAffinityNone {
		t.Errorf("type/affinity = %s/%s", spec.Type, spec.SessionAffinity)
	}
	if spec.Ports[0].Protocol != corev1.ProtocolTCP || spec.Ports[0].TargetPort != intstr.FromInt32(80) {
		t.Errorf("port = %+v", spec.Ports[0])
	}
	if len(spec.IPFamilies) != 1 || spec.IPFamilies[0] != corev1.IPv4Protocol || *spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack {
		t.Errorf("families = %v %v", spec.IPFamilies, spec.IPFamilyPolicy)
	}
	if *spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster || spec.ExternalTrafficPolicy != "" {
		t.Errorf("traffic = %v %q", *spec.InternalTrafficPolicy, spec.ExternalTrafficPolicy)
	}
	np := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer })
	if np.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster || np.Spec.AllocateLoadBalancerNodePorts == nil {
		t.Errorf("lb = %+v", np.Spec)
	}
	headless := newService(func(s *corev1.Service) { s.Spec.ClusterIP = "None"; s.Spec.Selector = nil })
	if *headless.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyRequireDualStack || headless.Spec.ClusterIPs[0] != "None" {
		t.Errorf("headless = %+v", headless.Spec)
	}
	ext := newService(func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeExternalName
		s.Spec.ExternalName = "example.com"
	})
	if ext.Spec.IPFamilyPolicy != nil || ext.Spec.IPFamilies != nil || ext.Spec.InternalTrafficPolicy != nil {
		t.Errorf("externalName = %+v", ext.Spec)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Service)
		want   string
	}{
		{"ok", nil, ""},
		{"dns1035 name", func(s *corev1.Service) { s.Name = "1web" }, "FieldValueInvalid metadata.name"},
		{"no ports", func(s *corev1.Service) { s.Spec.Ports = nil }, "FieldValueRequired spec.ports"},
		{"headless no ports", func(s *corev1.Service) { s.Spec.Ports = nil; s.Spec.ClusterIP = "None" }, ""},
		{"names required", func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 443}) },
			"FieldValueRequired spec.ports[0].name|FieldValueRequired spec.ports[1].name"},
		{"duplicate names", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "a", Port: 81}}
		}, "FieldValueDuplicate spec.ports[1].name"},
		{"bad port", func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 }, "FieldValueInvalid spec.ports[0].port|FieldValueInvalid spec.ports[0].targetPort"},
		{"bad type", func(s *corev1.Service) { s.Spec.Type = "Magic" }, "FieldValueNotSupported spec.type"},
		{"external name required", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName }, "FieldValueRequired spec.externalName"},
		{"nodePort on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 }, "FieldValueForbidden spec.ports[0].nodePort"},
		{"bad cluster IP", func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.300" }, "FieldValueInvalid spec.clusterIPs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newService(tt.mutate)
			if got := errStrings(NewStrategy().Validate(context.Background(), svc)); got != tt.want {
				t.Errorf("errors = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUpdateKeepsAllocatedValues(t *testing.T) {
	s := NewStrategy()
	old := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	old.ResourceVersion = "3"
	old.Spec.ClusterIP = "10.96.0.10"
	old.Spec.ClusterIPs = []string{"10.96.0.10"}
	old.Spec.Ports[0].NodePort = 30080

	// A resubmitted manifest without the allocated values keeps them.
	resubmit := &corev1.Service{ObjectMeta: old.ObjectMeta, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}},
	}}
	s.Default(resubmit)
	s.PrepareForUpdate(context.Background(), resubmit, old)
	if resubmit.Spec.ClusterIP != "10.96.0.10" || resubmit.Spec.Ports[0].NodePort != 30080 {
		t.Fatalf("spec = %+v", resubmit.Spec)
	}
	if errs := s.ValidateUpdate(context.Background(), resubmit, old); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}

	changed := old.DeepCopy()
	changed.Spec.ClusterIP = "10.96.0.11"
	changed.Spec.ClusterIPs = []string{"10.96.0.11"}
	s.PrepareForUpdate(context.Background(), changed, old)
	if got := errStrings(s.ValidateUpdate(context.Background(), changed, old)); got != "FieldValueInvalid spec.clusterIPs[0]" {
		t.Errorf("errors = %q", got)
	}

	// Switching to ClusterIP drops the node ports the client did not touch.
	toClusterIP := old.DeepCopy()
	toClusterIP.Spec.Type = corev1.ServiceTypeClusterIP
	s.PrepareForUpdate(context.Background(), toClusterIP, old)
	if toClusterIP.Spec.Ports[0].NodePort != 0 || toClusterIP.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("spec = %+v", toClusterIP.Spec)
	}
	if errs := s.ValidateUpdate(context.Background(), toClusterIP, old); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
}

func TestTableRow(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Service)
		cells  []interface{}
	}{
		{"clusterip", func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.1" },
			[]interface{}{"web", "ClusterIP", "10.0.0.1", "<none>", "80/TCP"}},
		{"nodeport", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.ClusterIP = "10.0.0.1"
			s.Spec.Ports[0].NodePort = 30080
		}, []interface{}{"web", "NodePort", "10.0.0.1", "<none>", "80:30080/TCP"}},
		{"lb pending", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer },
			[]interface{}{"web", "LoadBalancer", "<none>", "<pending>", "80/TCP"}},
		{"external name", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
			s.Spec.Ports = nil
		}, []interface{}{"web", "ExternalName", "<none>", "db.example.com", "<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, err := NewStrategy().TableRow(newService(tt.mutate))
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range tt.cells {
				if row[i] != c {
					t.Errorf("cell %d = %v, want %v (row %v)", i, row[i], c, row)
				}
			}
			if row[6] != "app=web" && tt.name != "external name" {
				t.Errorf("selector = %v", row[6])
			}
		})
	}
}

func TestAttrs(t *testing.T) {
	svc := newService(func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.1" })
	_, f, _ := NewStrategy().Attrs(svc)
	if f["spec.clusterIP"] != "10.0.0.1" || f["spec.type"] != "ClusterIP" || f["metadata.name"] != "web" {
		t.Errorf("fields = %v", f)
	}
}
