package namespace

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCreate(t *testing.T) {
	s := NewStrategy()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	s.Default(ns)
	s.PrepareForCreate(context.Background(), ns)
	if ns.Labels[corev1.LabelMetadataName] != "team-a" {
		t.Errorf("labels = %v", ns.Labels)
	}
	if ns.Status.Phase != corev1.NamespaceActive || len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("ns = %+v", ns)
	}
	if errs := s.Validate(context.Background(), ns); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
	_, f, _ := s.Attrs(ns)
	if f["status.phase"] != "Active" || f["metadata.name"] != "team-a" {
		t.Errorf("fields = %v", f)
	}
	if _, ok := f["metadata.namespace"]; ok {
		t.Errorf("cluster-scoped kind has metadata.namespace: %v", f)
	}
	row, _ := s.TableRow(ns)
	if row[1] != "Active" {
		t.Errorf("row = %v", row)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{{"dev", true}, {"a.b", false}, {"UPPER", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tt.name}}
			if errs := NewStrategy().Validate(context.Background(), ns); (len(errs) == 0) != tt.ok {
				t.Errorf("errors = %v", errs)
			}
		})
	}
}

func TestUpdateKeepsFinalizersAndStatus(t *testing.T) {
	s := NewStrategy()
	old := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "1"}}
	s.Default(old)
	s.PrepareForCreate(context.Background(), old)
	upd := old.DeepCopy()
	upd.Spec.Finalizers = nil
	upd.Status.Phase = corev1.NamespaceTerminating
	upd.Labels = map[string]string{"x": "y"}
	s.PrepareForUpdate(context.Background(), upd, old)
	if len(upd.Spec.Finalizers) != 1 || upd.Status.Phase != corev1.NamespaceActive || upd.Labels[corev1.LabelMetadataName] != "a" {
		t.Errorf("ns = %+v", upd)
	}
	st := old.DeepCopy()
	st.Status.Phase = corev1.NamespaceTerminating
	if errs := s.ValidateStatusUpdate(context.Background(), st, old); len(errs) != 1 || errs[0].Field != "status.Phase" {
		t.Errorf("errors = %v", errs)
	}
}
