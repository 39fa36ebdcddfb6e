package hookrules

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestValidateRuleWithOperations(t *testing.T) {
	rule := func(ops []admissionregistrationv1.OperationType, groups, versions, resources []string) *admissionregistrationv1.RuleWithOperations {
		return &admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{APIGroups: groups, APIVersions: versions, Resources: resources}}
	}
	create := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
	tests := []struct {
		name string
		rule *admissionregistrationv1.RuleWithOperations
		want []string
	}{
		{name: "valid", rule: rule(create, []string{""}, []string{"v1"}, []string{"pods", "pods/status"})},
		{name: "wildcards", rule: rule([]admissionregistrationv1.OperationType{"*"}, []string{"*"}, []string{"*"}, []string{"*/*"})},
		{name: "no operations", rule: rule(nil, []string{""}, []string{"v1"}, []string{"pods"}), want: []string{"operations"}},
		{name: "bad operation", rule: rule([]admissionregistrationv1.OperationType{"PATCH"}, []string{""}, []string{"v1"}, []string{"pods"}), want: []string{"operations[0]"}},
		{name: "star with others", rule: rule(create, []string{"*", "apps"}, []string{"v1"}, []string{"pods"}), want: []string{"apiGroups"}},
		{name: "no resources", rule: rule(create, []string{""}, []string{"v1"}, nil), want: []string{"resources"}},
		{name: "double wildcard with others", rule: rule(create, []string{""}, []string{"v1"}, []string{"*/*", "pods"}), want: []string{"resources"}},
		{name: "overlapping subresource", rule: rule(create, []string{""}, []string{"v1"}, []string{"pods/*", "pods/status"}), want: []string{"resources[1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateRuleWithOperations(tc.rule, field.NewPath("rules"))
			if len(errs) != len(tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
			for i, w := range tc.want {
				if errs[i].Field != "rules."+w {
					t.Errorf("error %d at %s, want %s", i, errs[i].Field, w)
				}
			}
		})
	}
}
