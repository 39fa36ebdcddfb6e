package daemonset

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newDaemonSet() *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system", ResourceVersion: "1"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
					Containers:   []corev1.Container{{Name: "agent", Image: "agent:1"}},
				},
			},
		},
	}
	NewStrategy().Default(ds)
	return ds
}

func TestDefault(t *testing.T) {
	ds := newDaemonSet()
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru.MaxUnavailable.String() != "1" || ru.MaxSurge.String() != "0" {
		t.Errorf("updateStrategy = %+v", ds.Spec.UpdateStrategy)
	}
	if *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("revisionHistoryLimit = %d", *ds.Spec.RevisionHistoryLimit)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []string
	}{
		{name: "valid", mutate: func(*appsv1.DaemonSet) {}},
		{name: "no selector", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = nil }, want: []string{"spec.template.metadata.labels"}},
		{name: "empty selector", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = &metav1.LabelSelector{} }, want: []string{"spec.selector"}},
		{name: "both surge and unavailable", mutate: func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("10%"))
		}, want: []string{"spec.updateStrategy.rollingUpdate.maxSurge"}},
		{name: "both zero", mutate: func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}, want: []string{"spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{name: "bad strategy", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.Type = "Sometimes" }, want: []string{"spec.updateStrategy"}},
		{name: "restart", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }, want: []string{"spec.template.spec.restartPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := newDaemonSet()
			tc.mutate(ds)
			errs := NewStrategy().Validate(context.Background(), ds)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestTemplateGeneration(t *testing.T) {
	s := NewStrategy()
	ctx := context.Background()
	ds := newDaemonSet()
	s.PrepareForCreate(ctx, ds)
	if ds.Annotations[appsv1.DeprecatedTemplateGeneration] != "1" || ds.Generation != 1 {
		t.Fatalf("after create: %v gen %d", ds.Annotations, ds.Generation)
	}
	upd := ds.DeepCopy()
	upd.Annotations[appsv1.DeprecatedTemplateGeneration] = "7"
	upd.Spec.Template.Spec.Containers[0].Image = "agent:2"
	s.PrepareForUpdate(ctx, upd, ds)
	if upd.Annotations[appsv1.DeprecatedTemplateGeneration] != "2" || upd.Generation != 2 {
		t.Fatalf("after template update: %v gen %d", upd.Annotations, upd.Generation)
	}
	upd2 := upd.DeepCopy()
	upd2.Spec.MinReadySeconds = 3
	s.PrepareForUpdate(ctx, upd2, upd)
	if upd2.Annotations[appsv1.DeprecatedTemplateGeneration] != "2" || upd2.Generation != 3 {
		t.Fatalf("after spec update: %v gen %d", upd2.Annotations, upd2.Generation)
	}
	sel := upd2.DeepCopy()
	sel.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent", "x": "y"}}
	sel.Spec.Template.Labels["x"] = "y"
	if errs := s.ValidateUpdate(ctx, sel, upd2); !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.selector"}) {
		t.Fatalf("selector change: %v", errs)
	}
}

func TestTable(t *testing.T) {
	ds := newDaemonSet()
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3, NumberAvailable: 2}
	row, err := NewStrategy().TableRow(ds)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"agent", int64(3), int64(3), int64(2), int64(3), int64(2), "kubernetes.io/os=linux", "<unknown>", "agent", "agent:1", "app=agent"}
	if len(row) != len(NewStrategy().TableColumns()) || len(row) != len(want) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
