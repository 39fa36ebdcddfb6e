package limitrange

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultAndValidate(t *testing.T) {
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits", Namespace: "default"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer,
		Max:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Min:  corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}}}}
	Strategy{}.Default(lr)
	item := lr.Spec.Limits[0]
	if item.Default.Cpu().String() != "2" || item.DefaultRequest.Cpu().String() != "2" || item.DefaultRequest.Memory().String() != "64Mi" {
		t.Errorf("item = %+v", item)
	}
	if errs := (Strategy{}).Validate(context.Background(), lr); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
	bad := lr.DeepCopy()
	bad.Spec.Limits[0].Min[corev1.ResourceCPU] = resource.MustParse("3")
	errs := Strategy{}.Validate(context.Background(), bad)
	if len(errs) == 0 || errs[0].Field != "spec.limits[0].min[cpu]" {
		t.Errorf("errors = %v", errs)
	}
	if cols := (Strategy{}).TableColumns(); cols[1].Name != "Created At" {
		t.Errorf("columns = %v", cols)
	}
}
