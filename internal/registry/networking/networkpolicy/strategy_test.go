package networkpolicy

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newPolicy() *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(5432))}},
			}},
		},
	}
}

func TestDefault(t *testing.T) {
	np := newPolicy()
	NewStrategy().Default(np)
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) || *np.Spec.Ingress[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Fatalf("spec = %+v", np.Spec)
	}
	eg := newPolicy()
	eg.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
	NewStrategy().Default(eg)
	if !slices.Equal(eg.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Fatalf("policyTypes = %v", eg.Spec.PolicyTypes)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*networkingv1.NetworkPolicy)
		want   string
	}{
		{name: "valid", mutate: func(*networkingv1.NetworkPolicy) {}},
		{name: "empty peer", mutate: func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress[0].From[0] = networkingv1.NetworkPolicyPeer{} }, want: "spec.ingress[0].from[0]"},
		{name: "ipBlock and selector", mutate: func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].From[0].IPBlock = &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}
		}, want: "spec.ingress[0].from[0]"},
		{name: "bad except", mutate: func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].From[0] = networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"192.168.0.0/16"}}}
		}, want: "spec.ingress[0].from[0].ipBlock.except[0]"},
		{name: "bad port", mutate: func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].Ports[0].Port = ptr.To(intstr.FromInt32(70000))
		}, want: "spec.ingress[0].ports[0].port"},
		{name: "bad protocol", mutate: func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].Ports[0].Protocol = ptr.To(corev1.Protocol("ICMP"))
		}, want: "spec.ingress[0].ports[0].protocol"},
		{name: "bad type", mutate: func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = []networkingv1.PolicyType{"Both"} }, want: "spec.policyTypes[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			np := newPolicy()
			NewStrategy().Default(np)
			tc.mutate(np)
			errs := NewStrategy().Validate(context.Background(), np)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestTable(t *testing.T) {
	row, _ := NewStrategy().TableRow(newPolicy())
	if len(row) != 3 || row[1] != "app=db" {
		t.Fatalf("row = %v", row)
	}
	row, _ = NewStrategy().TableRow(&networkingv1.NetworkPolicy{})
	if row[1] != "<none>" {
		t.Fatalf("row = %v", row)
	}
}
