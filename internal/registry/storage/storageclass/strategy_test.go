package storageclass

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func newClass() *storagev1.StorageClass {
	sc := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "local-path", ResourceVersion: "1", Annotations: map[string]string{IsDefaultAnnotation: "true"}},
		Provisioner: "rancher.io/local-path",
	}
	NewStrategy().Default(sc)
	return sc
}

func TestDefault(t *testing.T) {
	sc := newClass()
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Fatalf("defaults = %v %v", *sc.ReclaimPolicy, *sc.VolumeBindingMode)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*storagev1.StorageClass)
		want   string
	}{
		{name: "valid", mutate: func(*storagev1.StorageClass) {}},
		{name: "no provisioner", mutate: func(sc *storagev1.StorageClass) { sc.Provisioner = "" }, want: "provisioner"},
		{name: "bad provisioner", mutate: func(sc *storagev1.StorageClass) { sc.Provisioner = "a/b/c" }, want: "provisioner"},
		{name: "bad reclaim", mutate: func(sc *storagev1.StorageClass) { sc.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRecycle) }, want: "reclaimPolicy"},
		{name: "bad mode", mutate: func(sc *storagev1.StorageClass) { sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingMode("Later")) }, want: "volumeBindingMode"},
		{name: "empty topology", mutate: func(sc *storagev1.StorageClass) { sc.AllowedTopologies = []corev1.TopologySelectorTerm{{}} }, want: "allowedTopologies[0].matchLabelExpressions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := newClass()
			tc.mutate(sc)
			errs := NewStrategy().Validate(context.Background(), sc)
			if tc.want == "" && len(errs) != 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if tc.want != "" && (len(errs) == 0 || errs[0].Field != tc.want) {
				t.Fatalf("errors = %v, want %s", errs, tc.want)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := newClass()
	sc := old.DeepCopy()
	sc.AllowVolumeExpansion = ptr.To(true)
	if errs := NewStrategy().ValidateUpdate(context.Background(), sc, old); len(errs) != 0 {
		t.Fatalf("expansion toggle rejected: %v", errs)
	}
	sc.Parameters = map[string]string{"a": "b"}
	sc.VolumeBindingMode = ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)
	errs := NewStrategy().ValidateUpdate(context.Background(), sc, old)
	if len(errs) != 2 || errs[0].Field != "parameters" || errs[1].Field != "volumeBindingMode" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestTable(t *testing.T) {
	row, err := NewStrategy().TableRow(newClass())
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false, "<unknown>"}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
