package podtemplate

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodTemplate(t *testing.T) {
	s := NewStrategy()
	pt := &corev1.PodTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "tmpl", Namespace: "default"},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "redis:7"}}},
		},
	}
	s.Default(pt)
	s.PrepareForCreate(context.Background(), pt)
	if errs := s.Validate(context.Background(), pt); len(errs) != 0 {
		t.Fatalf("errors = %v", errs)
	}
	if pt.Generation != 1 {
		t.Errorf("generation = %d", pt.Generation)
	}
	row, _ := s.TableRow(pt)
	if row[1] != "a,b" || row[2] != "nginx,redis:7" || row[3] != "app=web" {
		t.Errorf("row = %v", row)
	}
	bad := pt.DeepCopy()
	bad.Template.Labels = map[string]string{"bad key!": "x"}
	errs := s.Validate(context.Background(), bad)
	if len(errs) != 1 || errs[0].Field != "template.labels" {
		t.Errorf("errors = %v", errs)
	}
}
