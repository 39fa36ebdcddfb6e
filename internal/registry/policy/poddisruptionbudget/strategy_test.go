package poddisruptionbudget

import (
	"context"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestValidate(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		spec policyv1.PodDisruptionBudgetSpec
		want string
	}{
		{name: "min available", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: ptr.To(intstr.FromInt32(2))}},
		{name: "max unavailable percent", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, MaxUnavailable: ptr.To(intstr.FromString("20%"))}},
		{name: "both", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(1))}, want: "spec"},
		{name: "negative", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: ptr.To(intstr.FromInt32(-1))}, want: "spec.minAvailable"},
		{name: "over 100", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, MaxUnavailable: ptr.To(intstr.FromString("101%"))}, want: "spec.maxUnavailable"},
		{name: "bad policy", spec: policyv1.PodDisruptionBudgetSpec{Selector: sel, UnhealthyPodEvictionPolicy: ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Never"))}, want: "spec.unhealthyPodEvictionPolicy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: tc.spec}
			errs := NewStrategy().Validate(context.Background(), pdb)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestStatusAndTable(t *testing.T) {
	ctx := context.Background()
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "1"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromString("50%"))},
	}
	NewStrategy().PrepareForCreate(ctx, pdb)
	if pdb.Generation != 1 {
		t.Fatalf("generation = %d", pdb.Generation)
	}
	upd := pdb.DeepCopy()
	upd.Status.DisruptionsAllowed = -1
	if errs := NewStrategy().ValidateStatusUpdate(ctx, upd, pdb); len(errs) != 1 || errs[0].Field != "status.disruptionsAllowed" {
		t.Fatalf("errors = %v", errs)
	}
	pdb.Status.DisruptionsAllowed = 1
	row, _ := NewStrategy().TableRow(pdb)
	if row[1] != "50%" || row[2] != "N/A" || row[3] != int64(1) {
		t.Fatalf("row = %v", row)
	}
}
