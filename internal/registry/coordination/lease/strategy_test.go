package lease

import (
	"context"
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		spec coordinationv1.LeaseSpec
		want string
	}{
		{name: "valid", spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("node-1"), LeaseDurationSeconds: ptr.To[int32](40)}},
		{name: "empty", spec: coordinationv1.LeaseSpec{}},
		{name: "zero duration", spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To[int32](0)}, want: "spec.leaseDurationSeconds"},
		{name: "negative transitions", spec: coordinationv1.LeaseSpec{LeaseTransitions: ptr.To[int32](-1)}, want: "spec.leaseTransitions"},
		{name: "preferred without strategy", spec: coordinationv1.LeaseSpec{PreferredHolder: ptr.To("a")}, want: "spec.preferredHolder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "node-1", Namespace: "kube-node-lease"}, Spec: tc.spec}
			errs := NewStrategy().Validate(context.Background(), l)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestTable(t *testing.T) {
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler"}, Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("host_1234")}}
	row, err := NewStrategy().TableRow(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(row) != 3 || row[0] != "kube-scheduler" || row[1] != "host_1234" || row[2] != "<unknown>" {
		t.Fatalf("row = %v", row)
	}
}
