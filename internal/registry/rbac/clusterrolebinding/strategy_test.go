package clusterrolebinding

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidate(t *testing.T) {
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "cluster-admin"},
		RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "Group", Name: "system:masters"}},
	}
	NewStrategy().Default(b)
	if errs := NewStrategy().Validate(context.Background(), b); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	role := b.DeepCopy()
	role.RoleRef.Kind = "Role"
	if errs := NewStrategy().Validate(context.Background(), role); len(errs) != 1 || errs[0].Field != "roleRef.kind" {
		t.Fatalf("errors = %v", errs)
	}
	sa := b.DeepCopy()
	sa.Subjects = []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default"}}
	if errs := NewStrategy().Validate(context.Background(), sa); len(errs) != 1 || errs[0].Field != "subjects[0].namespace" {
		t.Fatalf("errors = %v", errs)
	}
	row, _ := NewStrategy().TableRow(b)
	if row[1] != "ClusterRole/cluster-admin" || row[4] != "system:masters" {
		t.Fatalf("row = %v", row)
	}
}
