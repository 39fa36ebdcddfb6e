package volumeattachment

import (
	"context"
	"testing"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	va := &storagev1.VolumeAttachment{
		ObjectMeta: metav1.ObjectMeta{Name: "csi-123", ResourceVersion: "1"},
		Spec: storagev1.VolumeAttachmentSpec{
			Attacher: "hostpath.csi.k8s.io",
			NodeName: "node-1",
			Source:   storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr.To("pv-1")},
		},
	}
	if errs := NewStrategy().Validate(context.Background(), va); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	bad := va.DeepCopy()
	bad.Spec.Source = storagev1.VolumeAttachmentSource{}
	bad.Spec.NodeName = ""
	if errs := NewStrategy().Validate(context.Background(), bad); len(errs) != 2 || errs[0].Field != "spec.source" || errs[1].Field != "spec.nodeName" {
		t.Fatalf("errors = %v", errs)
	}
	upd := va.DeepCopy()
	upd.Spec.NodeName = "node-2"
	if errs := NewStrategy().ValidateUpdate(context.Background(), upd, va); len(errs) != 1 || errs[0].Field != "spec" {
		t.Fatalf("errors = %v", errs)
	}
	va.Status.Attached = true
	row, _ := NewStrategy().TableRow(va)
	if len(row) != 6 || row[2] != "pv-1" || row[4] != true {
		t.Fatalf("row = %v", row)
	}
}
