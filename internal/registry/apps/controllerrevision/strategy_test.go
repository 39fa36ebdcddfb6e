package controllerrevision

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{name: "object", data: []byte(`{"spec":{}}`)},
		{name: "missing", data: nil, want: "data"},
		{name: "null", data: []byte(`null`), want: "data"},
		{name: "array", data: []byte(`[1]`), want: "data"},
		{name: "garbage", data: []byte(`{`), want: "data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &appsv1.ControllerRevision{
				ObjectMeta: metav1.ObjectMeta{Name: "web-6d8f", Namespace: "default"},
				Data:       runtime.RawExtension{Raw: tc.data},
				Revision:   1,
			}
			errs := NewStrategy().Validate(context.Background(), r)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestDataImmutable(t *testing.T) {
	old := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "web-6d8f", Namespace: "default", ResourceVersion: "3"},
		Data:       runtime.RawExtension{Raw: []byte(`{"a":1}`)},
		Revision:   1,
	}
	r := old.DeepCopy()
	r.Data.Raw = []byte(`{"a":2}`)
	errs := NewStrategy().ValidateUpdate(context.Background(), r, old)
	if len(errs) != 1 || errs[0].Field != "data" || errs[0].Detail != "field is immutable" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestTable(t *testing.T) {
	r := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "agent-5c7b", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: ptr.To(true),
		}}},
		Revision: 2,
	}
	row, err := NewStrategy().TableRow(r)
	if err != nil {
		t.Fatal(err)
	}
	if row[0] != "agent-5c7b" || row[1] != "daemonset.apps/agent" || row[2] != int64(2) || len(row) != len(NewStrategy().TableColumns()) {
		t.Fatalf("row = %#v", row)
	}
	r.OwnerReferences = nil
	row, _ = NewStrategy().TableRow(r)
	if row[1] != "<none>" {
		t.Fatalf("controller cell = %v", row[1])
	}
}
