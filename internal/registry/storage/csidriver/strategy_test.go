package csidriver

import (
	"context"
	"strings"
	"testing"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDefaultAndValidate(t *testing.T) {
	d := &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "hostpath.csi.k8s.io", ResourceVersion: "1"}}
	NewStrategy().Default(d)
	if !*d.Spec.AttachRequired || *d.Spec.PodInfoOnMount || *d.Spec.FSGroupPolicy != storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy || d.Spec.VolumeLifecycleModes[0] != storagev1.VolumeLifecyclePersistent {
		t.Fatalf("defaults = %+v", d.Spec)
	}
	if errs := NewStrategy().Validate(context.Background(), d); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	long := d.DeepCopy()
	long.Name = strings.Repeat("a", 64)
	if errs := NewStrategy().Validate(context.Background(), long); len(errs) == 0 {
		t.Fatal("64-character driver name accepted")
	}
	upd := d.DeepCopy()
	upd.Spec.AttachRequired = ptr.To(false)
	upd.Spec.PodInfoOnMount = ptr.To(true)
	errs := NewStrategy().ValidateUpdate(context.Background(), upd, d)
	if len(errs) != 1 || errs[0].Field != "spec.attachRequired" {
		t.Fatalf("errors = %v", errs)
	}
	row, err := NewStrategy().TableRow(d)
	if err != nil || len(row) != len(NewStrategy().TableColumns()) || row[1] != true || row[4] != "<unset>" || row[6] != "Persistent" {
		t.Fatalf("row = %v, %v", row, err)
	}
}
