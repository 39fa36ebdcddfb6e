package rolebinding

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newBinding() *rbacv1.RoleBinding {
	b := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "read-pods", Namespace: "default", ResourceVersion: "1"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "jane"},
			{Kind: "Group", Name: "devs"},
			{Kind: "ServiceAccount", Name: "builder", Namespace: "ci"},
		},
	}
	NewStrategy().Default(b)
	return b
}

func TestDefault(t *testing.T) {
	b := newBinding()
	if b.RoleRef.APIGroup != rbacv1.GroupName || b.Subjects[0].APIGroup != rbacv1.GroupName || b.Subjects[1].APIGroup != rbacv1.GroupName || b.Subjects[2].APIGroup != "" {
		t.Fatalf("binding = %+v", b)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*rbacv1.RoleBinding)
		want   string
	}{
		{name: "valid", mutate: func(*rbacv1.RoleBinding) {}},
		{name: "bad kind", mutate: func(b *rbacv1.RoleBinding) { b.RoleRef.Kind = "Pod" }, want: "roleRef.kind"},
		{name: "bad group", mutate: func(b *rbacv1.RoleBinding) { b.RoleRef.APIGroup = "apps" }, want: "roleRef.apiGroup"},
		{name: "no role name", mutate: func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "" }, want: "roleRef.name"},
		{name: "bad subject kind", mutate: func(b *rbacv1.RoleBinding) { b.Subjects[0].Kind = "Robot" }, want: "subjects[0].kind"},
		{name: "sa with group", mutate: func(b *rbacv1.RoleBinding) { b.Subjects[2].APIGroup = "x" }, want: "subjects[2].apiGroup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBinding()
			tc.mutate(b)
			errs := NewStrategy().Validate(context.Background(), b)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestRoleRefImmutable(t *testing.T) {
	old := newBinding()
	b := old.DeepCopy()
	b.RoleRef.Name = "other"
	errs := NewStrategy().ValidateUpdate(context.Background(), b, old)
	if len(errs) != 1 || errs[0].Field != "roleRef" || errs[0].Detail != "cannot change roleRef" {
		t.Fatalf("errors = %v", errs)
	}
	b = old.DeepCopy()
	b.Subjects = b.Subjects[:1]
	if errs := NewStrategy().ValidateUpdate(context.Background(), b, old); len(errs) != 0 {
		t.Fatalf("subject change rejected: %v", errs)
	}
}

func TestTable(t *testing.T) {
	row, err := NewStrategy().TableRow(newBinding())
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"read-pods", "Role/pod-reader", "<unknown>", "jane", "devs", "ci/builder"}
	if len(row) != len(want) || len(NewStrategy().TableColumns()) != len(want) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
