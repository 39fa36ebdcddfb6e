package workload

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestScaleAccess(t *testing.T) {
	access := ScaleAccess(func(d *appsv1.Deployment) ScaleFields {
		return ScaleFields{SpecReplicas: &d.Spec.Replicas, StatusReplicas: d.Status.Replicas, Selector: d.Spec.Selector}
	})
	d := &appsv1.Deployment{
		Spec:   appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: appsv1.DeploymentStatus{Replicas: 2},
	}
	if got := access.SpecReplicas(d); got != 1 {
		t.Errorf("unset spec.replicas = %d, want 1", got)
	}
	access.SetSpecReplicas(d, 5)
	if got := access.SpecReplicas(d); got != 5 || *d.Spec.Replicas != 5 {
		t.Errorf("spec.replicas after set = %d", got)
	}
	if got := access.StatusReplicas(d); got != 2 {
		t.Errorf("status.replicas = %d, want 2", got)
	}
	if got := access.Selector(d); got != "app=web" {
		t.Errorf("selector = %q, want app=web", got)
	}
}
