package role

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		role rbacv1.Role
		want []string
	}{
		{name: "valid", role: rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "default"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
		}},
		{name: "path segment name", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "system:Reader_1", Namespace: "default"}}},
		{name: "slash in name", role: rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "a/b", Namespace: "default"}}, want: []string{"metadata.name"}},
		{name: "no verbs", role: rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}}},
		}, want: []string{"rules[0].verbs"}},
		{name: "no groups or resources", role: rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"},
			Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}}},
		}, want: []string{"rules[0].apiGroups", "rules[0].resources"}},
		{name: "non-resource in namespace", role: rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"},
			Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}},
		}, want: []string{"rules[0].nonResourceURLs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := NewStrategy().Validate(context.Background(), &tc.role)
			if len(errs) != len(tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
			for i, w := range tc.want {
				if errs[i].Field != w {
					t.Errorf("error %d at %s, want %s", i, errs[i].Field, w)
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	cols := NewStrategy().TableColumns()
	if len(cols) != 2 || cols[1].Name != "Created At" {
		t.Fatalf("columns = %v", cols)
	}
}
