package priorityclass

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestDefault(t *testing.T) {
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000}
	NewStrategy().Default(pc)
	if *pc.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Fatalf("preemptionPolicy = %v", *pc.PreemptionPolicy)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		pc   schedulingv1.PriorityClass
		want string
	}{
		{name: "user class", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000000}},
		{name: "system class", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-cluster-critical"}, Value: 2000000000}},
		{name: "too high", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000000001}, want: "value"},
		{name: "unknown system", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-mine"}, Value: 1}, want: "metadata.name"},
		{name: "wrong system value", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-node-critical"}, Value: 1}, want: "metadata.name"},
		{name: "bad policy", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "x"}, PreemptionPolicy: ptr.To(corev1.PreemptionPolicy("Sometimes"))}, want: "preemptionPolicy"},
		{name: "namespace set", pc: schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}}, want: "metadata.namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := NewStrategy().Validate(context.Background(), &tc.pc)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high", ResourceVersion: "1"}, Value: 10}
	NewStrategy().Default(old)
	pc := old.DeepCopy()
	pc.Description = "changed"
	if errs := NewStrategy().ValidateUpdate(context.Background(), pc, old); len(errs) != 0 {
		t.Fatalf("description change rejected: %v", errs)
	}
	pc.Value = 11
	pc.PreemptionPolicy = ptr.To(corev1.PreemptNever)
	errs := NewStrategy().ValidateUpdate(context.Background(), pc, old)
	if len(errs) != 2 || errs[0].Field != "value" || errs[1].Field != "preemptionPolicy" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestTable(t *testing.T) {
	pc := SystemPriorityClasses()[0]
	NewStrategy().Default(pc)
	row, err := NewStrategy().TableRow(pc)
	if err != nil {
		t.Fatal(err)
	}
	if len(row) != 5 || row[1] != int64(2000001000) || row[2] != false || row[4] != "PreemptLowerPriority" {
		t.Fatalf("row = %v", row)
	}
}
