package resourcequota

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		hard corev1.ResourceList
		want string
	}{
		{"ok", corev1.ResourceList{"pods": resource.MustParse("10"), "requests.cpu": resource.MustParse("2"), "count/deployments.apps": resource.MustParse("5")}, ""},
		{"unknown", corev1.ResourceList{"widgets": resource.MustParse("1")}, "spec.hard[widgets]"},
		{"fractional pods", corev1.ResourceList{"pods": resource.MustParse("1500m")}, "spec.hard[pods]"},
		{"negative", corev1.ResourceList{"cpu": resource.MustParse("-1")}, "spec.hard[cpu]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "default"}, Spec: corev1.ResourceQuotaSpec{Hard: tt.hard}}
			errs := NewStrategy().Validate(context.Background(), q)
			registrytest.AssertFirstFieldError(t, errs, tt.want)
		})
	}
}

func TestTableRow(t *testing.T) {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q"}, Status: corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "limits.cpu": resource.MustParse("4"), "requests.cpu": resource.MustParse("2")},
		Used: corev1.ResourceList{"pods": resource.MustParse("3"), "requests.cpu": resource.MustParse("500m")},
	}}
	row, _ := NewStrategy().TableRow(q)
	if row[2] != "pods: 3/10, requests.cpu: 500m/2" || row[3] != "limits.cpu: 0/4" {
		t.Errorf("row = %v", row)
	}
}
