package csinode

import (
	"context"
	"testing"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidate(t *testing.T) {
	n := &storagev1.CSINode{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
		Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{
			{Name: "hostpath.csi.k8s.io", NodeID: "node-1", TopologyKeys: []string{"topology.hostpath.csi/node"}},
		}},
	}
	if errs := NewStrategy().Validate(context.Background(), n); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	n.Spec.Drivers = append(n.Spec.Drivers, storagev1.CSINodeDriver{Name: "hostpath.csi.k8s.io"})
	errs := NewStrategy().Validate(context.Background(), n)
	if len(errs) != 2 || errs[0].Field != "spec.drivers[1].name" || errs[1].Field != "spec.drivers[1].nodeID" {
		t.Fatalf("errors = %v", errs)
	}
	row, _ := NewStrategy().TableRow(n)
	if row[1] != int64(2) {
		t.Fatalf("row = %v", row)
	}
}
