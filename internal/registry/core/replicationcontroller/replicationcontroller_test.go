package replicationcontroller

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newRC() *corev1.ReplicationController {
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
		}},
	}
	NewStrategy().Default(rc)
	return rc
}

func TestDefaults(t *testing.T) {
	rc := newRC()
	if *rc.Spec.Replicas != 1 || rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" {
		t.Errorf("rc = %+v", rc)
	}
	if rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || rc.Spec.Template.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("template not defaulted: %+v", rc.Spec.Template.Spec)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.ReplicationController)
		want   string
	}{
		{"ok", func(*corev1.ReplicationController) {}, ""},
		{"selector mismatch", func(rc *corev1.ReplicationController) { rc.Spec.Selector = map[string]string{"app": "db"} },
			"FieldValueInvalid spec.template.metadata.labels"},
		{"negative replicas", func(rc *corev1.ReplicationController) { r := int32(-1); rc.Spec.Replicas = &r },
			"FieldValueInvalid spec.replicas"},
		{"restart never", func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		},
			"FieldValueNotSupported spec.template.spec.restartPolicy"},
		{"no template", func(rc *corev1.ReplicationController) { rc.Spec.Template = nil },
			"FieldValueRequired spec.template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRC()
			tt.mutate(rc)
			var got []string
			for _, e := range NewStrategy().Validate(context.Background(), rc) {
				got = append(got, string(e.Type)+" "+e.Field)
			}
			if strings.Join(got, "|") != tt.want {
				t.Errorf("errors = %v, want %q", got, tt.want)
			}
		})
	}
}

func TestGenerationScaleTable(t *testing.T) {
	s := NewStrategy()
	rc := newRC()
	s.PrepareForCreate(context.Background(), rc)
	if rc.Generation != 1 {
		t.Errorf("generation = %d", rc.Generation)
	}
	upd := rc.DeepCopy()
	r := int32(3)
	upd.Spec.Replicas = &r
	s.PrepareForUpdate(context.Background(), upd, rc)
	if upd.Generation != 2 {
		t.Errorf("generation = %d", upd.Generation)
	}
	res := Resources()[0]
	if res.Scale.SpecReplicas(upd) != 3 || res.Scale.Selector(upd) != "app=web" {
		t.Errorf("scale: %d %q", res.Scale.SpecReplicas(upd), res.Scale.Selector(upd))
	}
	res.Scale.SetSpecReplicas(upd, 5)
	if *upd.Spec.Replicas != 5 {
		t.Errorf("replicas = %d", *upd.Spec.Replicas)
	}
	row, _ := s.TableRow(upd)
	if row[1] != int64(5) || row[5] != "nginx" || row[6] != "nginx" || row[7] != "app=web" {
		t.Errorf("row = %v", row)
	}
	_, f, _ := s.Attrs(upd)
	if f["status.replicas"] != "0" {
		t.Errorf("fields = %v", f)
	}
}
