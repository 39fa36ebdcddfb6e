package replicaset

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newReplicaSet() *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-7d4b9", Namespace: "default", ResourceVersion: "1", Labels: map[string]string{"app": "web"}},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox"}, {Name: "b", Image: "nginx"}}},
			},
		},
	}
	NewStrategy().Default(rs)
	return rs
}

func TestDefault(t *testing.T) {
	rs := &appsv1.ReplicaSet{}
	NewStrategy().Default(rs)
	if rs.Spec.Replicas == nil || *rs.Spec.Replicas != 1 {
		t.Fatalf("replicas = %v", rs.Spec.Replicas)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []string
	}{
		{name: "valid", mutate: func(*appsv1.ReplicaSet) {}},
		{name: "negative replicas", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](-2) }, want: []string{"spec.replicas"}},
		{name: "negative minReadySeconds", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = -1 }, want: []string{"spec.minReadySeconds"}},
		{name: "no selector", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil }, want: []string{"spec.selector"}},
		{name: "mismatch", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = nil }, want: []string{"spec.template.metadata.labels"}},
		{name: "deadline", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) }, want: []string{"spec.template.spec.activeDeadlineSeconds"}},
		{name: "no containers", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.Containers = nil }, want: []string{"spec.template.spec.containers"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := newReplicaSet()
			tc.mutate(rs)
			errs := NewStrategy().Validate(context.Background(), rs)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := newReplicaSet()
	rs := old.DeepCopy()
	rs.Spec.Selector.MatchLabels["x"] = "y"
	rs.Spec.Template.Labels["x"] = "y"
	errs := NewStrategy().ValidateUpdate(context.Background(), rs, old)
	if !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.selector"}) {
		t.Fatalf("errors = %v", errs)
	}
	rs = old.DeepCopy()
	rs.Spec.Replicas = ptr.To[int32](7)
	if errs := NewStrategy().ValidateUpdate(context.Background(), rs, old); len(errs) != 0 {
		t.Fatalf("scaling rejected: %v", errs)
	}
}

func TestStatusValidation(t *testing.T) {
	old := newReplicaSet()
	rs := old.DeepCopy()
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, FullyLabeledReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1}
	errs := NewStrategy().ValidateStatusUpdate(context.Background(), rs, old)
	if !slices.Equal(registrytest.ErrorFields(errs), []string{"status.fullyLabeledReplicas"}) {
		t.Fatalf("errors = %v", errs)
	}
}

func TestAttrs(t *testing.T) {
	rs := newReplicaSet()
	rs.Status.Replicas = 3
	lbls, flds, err := NewStrategy().Attrs(rs)
	if err != nil {
		t.Fatal(err)
	}
	if flds["status.replicas"] != "3" || flds["metadata.name"] != "web-7d4b9" || flds["metadata.namespace"] != "default" || lbls["app"] != "web" {
		t.Fatalf("attrs = %v %v", lbls, flds)
	}
}

func TestTable(t *testing.T) {
	s := NewStrategy()
	rs := newReplicaSet()
	rs.Status.Replicas = 1
	row, err := s.TableRow(rs)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"web-7d4b9", int64(1), int64(1), int64(0), "<unknown>", "a,b", "busybox,nginx", "app=web"}
	if len(row) != len(s.TableColumns()) || len(row) != len(want) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
