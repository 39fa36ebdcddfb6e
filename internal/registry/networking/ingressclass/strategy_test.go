package ingressclass

import (
	"context"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		spec networkingv1.IngressClassSpec
		want string
	}{
		{name: "valid", spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		{name: "no controller", spec: networkingv1.IngressClassSpec{}, want: "spec.controller"},
		{name: "unprefixed controller", spec: networkingv1.IngressClassSpec{Controller: "nginx"}, want: "spec.controller"},
		{name: "namespace scope without namespace", spec: networkingv1.IngressClassSpec{Controller: "k8s.io/x", Parameters: &networkingv1.IngressClassParametersReference{
			Kind: "Params", Name: "p", Scope: ptr.To(networkingv1.IngressClassParametersReferenceScopeNamespace),
		}}, want: "spec.parameters.namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: tc.spec}
			NewStrategy().Default(ic)
			errs := NewStrategy().Validate(context.Background(), ic)
			if tc.want == "" && len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if tc.want != "" && (len(errs) == 0 || errs[0].Field != tc.want) {
				t.Fatalf("errors = %v, want %s", errs, tc.want)
			}
		})
	}
}

func TestDefaultUpdateTable(t *testing.T) {
	ic := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", ResourceVersion: "1"},
		Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx", Parameters: &networkingv1.IngressClassParametersReference{
			APIGroup: ptr.To("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb",
		}},
	}
	NewStrategy().Default(ic)
	if *ic.Spec.Parameters.Scope != networkingv1.IngressClassParametersReferenceScopeCluster {
		t.Fatalf("scope = %v", *ic.Spec.Parameters.Scope)
	}
	upd := ic.DeepCopy()
	upd.Spec.Controller = "k8s.io/other"
	if errs := NewStrategy().ValidateUpdate(context.Background(), upd, ic); len(errs) != 1 || errs[0].Field != "spec.controller" {
		t.Fatalf("errors = %v", errs)
	}
	row, _ := NewStrategy().TableRow(ic)
	if row[1] != "k8s.io/ingress-nginx" || row[2] != "IngressParameters.k8s.example.com/external-lb" {
		t.Fatalf("row = %v", row)
	}
}
