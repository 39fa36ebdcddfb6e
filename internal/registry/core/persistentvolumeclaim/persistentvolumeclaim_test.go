package persistentvolumeclaim

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newPVC() *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default", ResourceVersion: "1"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	s := NewStrategy()
	s.Default(pvc)
	s.PrepareForCreate(context.Background(), pvc)
	return pvc
}

func TestCreate(t *testing.T) {
	pvc := newPVC()
	if pvc.Status.Phase != corev1.ClaimPending || *pvc.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("pvc = %+v", pvc)
	}
	if errs := NewStrategy().Validate(context.Background(), pvc); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
	bad := newPVC()
	bad.Spec.Resources.Requests = nil
	if errs := NewStrategy().Validate(context.Background(), bad); len(errs) != 1 || errs[0].Field != "spec.resources[storage]" {
		t.Errorf("errors = %v", errs)
	}
}

func TestUpdate(t *testing.T) {
	tests := []struct {
		name   string
		bound  bool
		mutate func(*corev1.PersistentVolumeClaim)
		want   []string
	}{
		{"bind volume", false, func(p *corev1.PersistentVolumeClaim) { p.Spec.VolumeName = "pv1" }, nil},
		{"access modes", false, func(p *corev1.PersistentVolumeClaim) {
			p.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
		}, []string{"spec"}},
		{"expand bound", true, func(p *corev1.PersistentVolumeClaim) {
			p.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}, nil},
		{"shrink bound", true, func(p *corev1.PersistentVolumeClaim) {
			p.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("500Mi")
		}, []string{"spec.resources.requests.storage"}},
		{"expand unbound", false, func(p *corev1.PersistentVolumeClaim) {
			p.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		}, []string{"spec"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := newPVC()
			if tt.bound {
				old.Spec.VolumeName = "pv1"
				old.Status.Phase = corev1.ClaimBound
			}
			upd := old.DeepCopy()
			tt.mutate(upd)
			errs := NewStrategy().ValidateUpdate(context.Background(), upd, old)
			if len(errs) != len(tt.want) {
				t.Fatalf("errors = %v, want %v", errs, tt.want)
			}
			for i, w := range tt.want {
				if errs[i].Field != w {
					t.Errorf("error %d = %v, want %s", i, errs[i], w)
				}
			}
		})
	}
}

func TestTableRow(t *testing.T) {
	pvc := newPVC()
	row, _ := NewStrategy().TableRow(pvc)
	if row[1] != "Pending" || row[2] != "" || row[3] != "" || row[6] != "<unset>" || row[8] != "Filesystem" {
		t.Errorf("row = %v", row)
	}
	pvc.Spec.VolumeName = "pv1"
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: pvc.Spec.AccessModes,
		Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}
	row, _ = NewStrategy().TableRow(pvc)
	if row[1] != "Bound" || row[2] != "pv1" || row[3] != "1Gi" || row[4] != "RWO" {
		t.Errorf("row = %v", row)
	}
}
