package persistentvolume

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newPV() *corev1.PersistentVolume {
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv1", ResourceVersion: "1"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
		},
	}
	s := NewStrategy()
	s.Default(pv)
	s.PrepareForCreate(context.Background(), pv)
	return pv
}

func TestCreate(t *testing.T) {
	pv := newPV()
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("spec = %+v", pv.Spec)
	}
	if pv.Status.Phase != corev1.VolumePending {
		t.Errorf("phase = %s", pv.Status.Phase)
	}
	if errs := NewStrategy().Validate(context.Background(), pv); len(errs) != 0 {
		t.Errorf("errors = %v", errs)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.PersistentVolume)
		want   string
	}{
		{"no access modes", func(pv *corev1.PersistentVolume) { pv.Spec.AccessModes = nil }, "spec.accessModes"},
		{"no source", func(pv *corev1.PersistentVolume) { pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{} }, "spec"},
		{"two sources", func(pv *corev1.PersistentVolume) {
			pv.Spec.NFS = &corev1.NFSVolumeSource{Server: "s", Path: "/p"}
		}, "spec.nfs"},
		{"zero capacity", func(pv *corev1.PersistentVolume) {
			pv.Spec.Capacity[corev1.ResourceStorage] = resource.MustParse("0")
		}, "spec.capacity[storage]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv := newPV()
			tt.mutate(pv)
			errs := NewStrategy().Validate(context.Background(), pv)
			if len(errs) == 0 || errs[0].Field != tt.want {
				t.Errorf("errors = %v, want %q", errs, tt.want)
			}
		})
	}
}

func TestUpdateAndTable(t *testing.T) {
	old := newPV()
	upd := old.DeepCopy()
	upd.Spec.HostPath.Path = "/other"
	errs := NewStrategy().ValidateUpdate(context.Background(), upd, old)
	if len(errs) != 1 || errs[0].Field != "spec.persistentvolumesource" {
		t.Errorf("errors = %v", errs)
	}
	old.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "data"}
	old.Spec.StorageClassName = "standard"
	row, _ := NewStrategy().TableRow(old)
	want := []interface{}{"pv1", "1Gi", "RWO", "Retain", "Pending", "default/data", "standard", "<unset>", ""}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %v, want %v", i, row[i], want[i])
		}
	}
	if row[10] != "Filesystem" {
		t.Errorf("volume mode = %v", row[10])
	}
}
