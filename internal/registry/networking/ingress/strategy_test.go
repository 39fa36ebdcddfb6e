package ingress

import (
	"context"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newIngress() *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "1"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr.To("nginx"),
			Rules: []networkingv1.IngressRule{{
				Host: "example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path:     "/",
					PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80},
					}},
				}}}},
			}},
		},
	}
}

func TestValidate(t *testing.T) {
	path0 := func(in *networkingv1.Ingress) *networkingv1.HTTPIngressPath { return &in.Spec.Rules[0].HTTP.Paths[0] }
	tests := []struct {
		name   string
		mutate func(*networkingv1.Ingress)
		want   []string
	}{
		{name: "valid", mutate: func(*networkingv1.Ingress) {}},
		{name: "wildcard host", mutate: func(in *networkingv1.Ingress) { in.Spec.Rules[0].Host = "*.example.com" }},
		{name: "no pathType", mutate: func(in *networkingv1.Ingress) { path0(in).PathType = nil }, want: []string{"spec.rules[0].http.paths[0].pathType"}},
		{name: "bad pathType", mutate: func(in *networkingv1.Ingress) { path0(in).PathType = ptr.To(networkingv1.PathType("Regex")) }, want: []string{"spec.rules[0].http.paths[0].pathType"}},
		{name: "relative path", mutate: func(in *networkingv1.Ingress) { path0(in).Path = "api" }, want: []string{"spec.rules[0].http.paths[0].path"}},
		{name: "dot segment", mutate: func(in *networkingv1.Ingress) { path0(in).Path = "/a/../b" }, want: []string{"spec.rules[0].http.paths[0].path"}},
		{name: "ip host", mutate: func(in *networkingv1.Ingress) { in.Spec.Rules[0].Host = "10.0.0.1" }, want: []string{"spec.rules[0].host"}},
		{name: "no port", mutate: func(in *networkingv1.Ingress) { path0(in).Backend.Service.Port = networkingv1.ServiceBackendPort{} }, want: []string{"spec.rules[0].http.paths[0].backend"}},
		{name: "no backend", mutate: func(in *networkingv1.Ingress) { path0(in).Backend = networkingv1.IngressBackend{} }, want: []string{"spec.rules[0].http.paths[0].backend"}},
		{name: "nothing", mutate: func(in *networkingv1.Ingress) { in.Spec.Rules = nil }, want: []string{"spec"}},
		{name: "annotation and class", mutate: func(in *networkingv1.Ingress) {
			in.Annotations = map[string]string{ClassAnnotation: "nginx"}
		}, want: []string{"annotations.kubernetes.io/ingress.class"}},
		{name: "bad tls secret", mutate: func(in *networkingv1.Ingress) {
			in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"example.com"}, SecretName: "Bad_Secret"}}
		}, want: []string{"spec.tls[0].secretName"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := newIngress()
			tc.mutate(in)
			errs := NewStrategy().Validate(context.Background(), in)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestTable(t *testing.T) {
	in := newIngress()
	in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"example.com"}}}
	in.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "10.0.0.2"}, {IP: "10.0.0.1"}}
	row, err := NewStrategy().TableRow(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"web", "nginx", "example.com", "10.0.0.1,10.0.0.2", "80, 443", "<unknown>"}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
	if got := formatHosts(make([]networkingv1.IngressRule, 5)); got != "*" {
		t.Errorf("hosts = %q", got)
	}
	rules := []networkingv1.IngressRule{{Host: "a"}, {Host: "b"}, {Host: "c"}, {Host: "d"}}
	if got := formatHosts(rules); got != "a,b,c + 1 more..." {
		t.Errorf("hosts = %q", got)
	}
}
