package validatingadmissionpolicy

import (
	"context"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newPolicy() *admissionregistrationv1.ValidatingAdmissionPolicy {
	p := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "replica-limit"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas <= 5"}},
		},
	}
	NewStrategy().Default(p)
	return p
}

func TestDefault(t *testing.T) {
	p := newPolicy()
	m := p.Spec.MatchConstraints
	if *p.Spec.FailurePolicy != admissionregistrationv1.Fail || *m.MatchPolicy != admissionregistrationv1.Equivalent || m.NamespaceSelector == nil || *m.ResourceRules[0].Scope != "*" {
		t.Fatalf("spec = %+v", p.Spec)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*admissionregistrationv1.ValidatingAdmissionPolicy)
		want   []string
	}{
		{name: "valid", mutate: func(*admissionregistrationv1.ValidatingAdmissionPolicy) {}},
		{name: "no constraints", mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) { p.Spec.MatchConstraints = nil }, want: []string{"spec.matchConstraints"}},
		{name: "no rules", mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
			p.Spec.MatchConstraints.ResourceRules = nil
		}, want: []string{"spec.matchConstraints.resourceRules"}},
		{name: "nothing to check", mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) { p.Spec.Validations = nil }, want: []string{"spec.validations"}},
		{name: "empty expression", mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) { p.Spec.Validations[0].Expression = " " }, want: []string{"spec.validations[0].expression"}},
		{name: "bad param kind", mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
			p.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: "a/b/c"}
		}, want: []string{"spec.paramKind.kind", "spec.paramKind.apiVersion"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPolicy()
			tc.mutate(p)
			errs := NewStrategy().Validate(context.Background(), p)
			if !slices.Equal(registrytest.ErrorFields(errs), tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	p := newPolicy()
	p.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: "rules.example.com/v1", Kind: "ReplicaLimit"}
	row, _ := NewStrategy().TableRow(p)
	if row[1] != int64(1) || row[2] != "rules.example.com/v1/ReplicaLimit" {
		t.Fatalf("row = %v", row)
	}
}
