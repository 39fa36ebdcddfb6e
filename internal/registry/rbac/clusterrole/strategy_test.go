package clusterrole

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidate(t *testing.T) {
	cr := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "system:metrics"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}},
	}
	if errs := NewStrategy().Validate(context.Background(), cr); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	mixed := cr.DeepCopy()
	mixed.Rules[0].Resources = []string{"pods"}
	if errs := NewStrategy().Validate(context.Background(), mixed); len(errs) != 1 || errs[0].Field != "rules[0].nonResourceURLs" {
		t.Fatalf("errors = %v", errs)
	}
	agg := cr.DeepCopy()
	agg.AggregationRule = &rbacv1.AggregationRule{}
	if errs := NewStrategy().Validate(context.Background(), agg); len(errs) != 1 || errs[0].Field != "aggregationRule.clusterRoleSelectors" {
		t.Fatalf("errors = %v", errs)
	}
}
