package validatingadmissionpolicybinding

import (
	"context"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newBinding() *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "replica-limit-test"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        "replica-limit",
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			ParamRef: &admissionregistrationv1.ParamRef{
				Name: "limits", Namespace: "default", ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction),
			},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
		want   []string
	}{
		{name: "valid", mutate: func(*admissionregistrationv1.ValidatingAdmissionPolicyBinding) {}},
		{name: "no policy", mutate: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) { b.Spec.PolicyName = "" }, want: []string{"spec.policyName"}},
		{name: "no actions", mutate: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) { b.Spec.ValidationActions = nil }, want: []string{"spec.validationActions"}},
		{name: "deny and warn", mutate: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
			b.Spec.ValidationActions = append(b.Spec.ValidationActions, admissionregistrationv1.Warn)
		}, want: []string{"spec.validationActions"}},
		{name: "name and selector", mutate: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
			b.Spec.ParamRef.Selector = &metav1.LabelSelector{}
		}, want: []string{"spec.paramRef.name"}},
		{name: "no not-found action", mutate: func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
			b.Spec.ParamRef.ParameterNotFoundAction = nil
		}, want: []string{"spec.paramRef.parameterNotFoundAction"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBinding()
			NewStrategy().Default(b)
			tc.mutate(b)
			errs := NewStrategy().Validate(context.Background(), b)
			if !slices.Equal(registrytest.ErrorFields(errs), tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	row, _ := NewStrategy().TableRow(newBinding())
	if row[1] != "replica-limit" || row[2] != "default/limits" {
		t.Fatalf("row = %v", row)
	}
}
