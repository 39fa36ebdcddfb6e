package statefulset

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newStatefulSet() *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default", ResourceVersion: "1"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "pg", Image: "postgres:17",
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/postgresql"}},
				}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
	NewStrategy().Default(s)
	return s
}

func TestDefault(t *testing.T) {
	s := newStatefulSet()
	if *s.Spec.Replicas != 1 || s.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement {
		t.Errorf("replicas/podManagementPolicy = %d/%s", *s.Spec.Replicas, s.Spec.PodManagementPolicy)
	}
	if s.Spec.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType || *s.Spec.UpdateStrategy.RollingUpdate.Partition != 0 {
		t.Errorf("updateStrategy = %+v", s.Spec.UpdateStrategy)
	}
	p := s.Spec.PersistentVolumeClaimRetentionPolicy
	if p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("retention = %+v", p)
	}
	if *s.Spec.RevisionHistoryLimit != 10 || s.Spec.MinReadySeconds != 0 {
		t.Errorf("revisionHistoryLimit = %d", *s.Spec.RevisionHistoryLimit)
	}
	c := s.Spec.VolumeClaimTemplates[0]
	if c.Status.Phase != corev1.ClaimPending || *c.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("claim template defaults = %+v", c)
	}
	onDelete := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}}}
	NewStrategy().Default(onDelete)
	if onDelete.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got rollingUpdate")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{name: "valid", mutate: func(*appsv1.StatefulSet) {}},
		{name: "dns label name", mutate: func(s *appsv1.StatefulSet) { s.Name = "db.primary" }, want: []string{"metadata.name"}},
		{name: "bad policy", mutate: func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" }, want: []string{"spec.podManagementPolicy"}},
		{name: "ondelete with rolling", mutate: func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType }, want: []string{"spec.updateStrategy.rollingUpdate"}},
		{name: "negative partition", mutate: func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](-1) }, want: []string{"spec.updateStrategy.rollingUpdate.partition"}},
		{name: "bad retention", mutate: func(s *appsv1.StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" }, want: []string{"spec.persistentVolumeClaimRetentionPolicy.whenScaled"}},
		{name: "empty selector", mutate: func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} }, want: []string{"spec.selector"}},
		{name: "mismatch", mutate: func(s *appsv1.StatefulSet) { s.Spec.Template.Labels = map[string]string{"app": "x"} }, want: []string{"spec.template.metadata.labels"}},
		{name: "restart policy", mutate: func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, want: []string{"spec.template.spec.restartPolicy"}},
		{name: "bad service name", mutate: func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "DB" }, want: []string{"spec.serviceName"}},
		{name: "claim without storage", mutate: func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests = nil }, want: []string{"spec.volumeClaimTemplates[0].spec.resources[storage]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStatefulSet()
			tc.mutate(s)
			errs := NewStrategy().Validate(context.Background(), s)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := newStatefulSet()
	ctx := context.Background()
	allowed := []func(*appsv1.StatefulSet){
		func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](3) },
		func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "postgres:18" },
		func(s *appsv1.StatefulSet) { s.Spec.MinReadySeconds = 5 },
		func(s *appsv1.StatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
		},
		func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 2} },
	}
	for i, m := range allowed {
		s := old.DeepCopy()
		m(s)
		if errs := NewStrategy().ValidateUpdate(ctx, s, old); len(errs) != 0 {
			t.Errorf("allowed change %d rejected: %v", i, errs)
		}
	}
	forbidden := []func(*appsv1.StatefulSet){
		func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "other" },
		func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement },
		func(s *appsv1.StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
		},
	}
	for i, m := range forbidden {
		s := old.DeepCopy()
		m(s)
		errs := NewStrategy().ValidateUpdate(ctx, s, old)
		if len(errs) != 1 || errs[0].Field != "spec" || errs[0].Type != field.ErrorTypeForbidden {
			t.Errorf("forbidden change %d: %v", i, errs)
		}
	}
}

func TestTable(t *testing.T) {
	s := newStatefulSet()
	s.Status.ReadyReplicas = 1
	row, err := NewStrategy().TableRow(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"db", "1/1", "<unknown>", "pg", "postgres:17"}
	if len(row) != len(NewStrategy().TableColumns()) {
		t.Fatalf("row %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
