package deployment

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

func newDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}},
			},
		},
	}
}

func TestDefault(t *testing.T) {
	d := newDeployment()
	NewStrategy().Default(d)
	if got := *d.Spec.Replicas; got != 1 {
		t.Errorf("replicas = %d, want 1", got)
	}
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Errorf("strategy type = %q", d.Spec.Strategy.Type)
	}
	if got := d.Spec.Strategy.RollingUpdate.MaxSurge.String(); got != "25%" {
		t.Errorf("maxSurge = %s", got)
	}
	if got := d.Spec.Strategy.RollingUpdate.MaxUnavailable.String(); got != "25%" {
		t.Errorf("maxUnavailable = %s", got)
	}
	if *d.Spec.RevisionHistoryLimit != 10 || *d.Spec.ProgressDeadlineSeconds != 600 {
		t.Errorf("revisionHistoryLimit/progressDeadlineSeconds = %d/%d", *d.Spec.RevisionHistoryLimit, *d.Spec.ProgressDeadlineSeconds)
	}
	if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template restartPolicy = %q, want pod defaults applied", d.Spec.Template.Spec.RestartPolicy)
	}

	recreate := newDeployment()
	recreate.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
	NewStrategy().Default(recreate)
	if recreate.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("Recreate got rollingUpdate defaults")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{name: "valid", mutate: func(*appsv1.Deployment) {}},
		{name: "negative replicas", mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) }, want: []string{"spec.replicas"}},
		{name: "missing selector", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = nil }, want: []string{"spec.selector", "spec.template.metadata.labels"}},
		{name: "empty selector", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }, want: []string{"spec.selector"}},
		{name: "selector mismatch", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "other"} }, want: []string{"spec.template.metadata.labels"}},
		{name: "restart never", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }, want: []string{"spec.template.spec.restartPolicy"}},
		{name: "both zero", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(0))
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("0%"))
		}, want: []string{"spec.strategy.rollingUpdate.maxUnavailable"}},
		{name: "bad percent", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("abc"))
		}, want: []string{"spec.strategy.rollingUpdate.maxSurge"}},
		{name: "over 100 percent", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("150%"))
		}, want: []string{"spec.strategy.rollingUpdate.maxUnavailable"}},
		{name: "recreate with rolling update", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType }, want: []string{"spec.strategy.rollingUpdate"}},
		{name: "unknown strategy", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "Blue" }, want: []string{"spec.strategy"}},
		{name: "deadline not above minReady", mutate: func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 }, want: []string{"spec.progressDeadlineSeconds"}},
		{name: "bad name", mutate: func(d *appsv1.Deployment) { d.Name = "Web_1" }, want: []string{"metadata.name"}},
		{name: "no namespace", mutate: func(d *appsv1.Deployment) { d.Namespace = "" }, want: []string{"metadata.namespace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeployment()
			NewStrategy().Default(d)
			tc.mutate(d)
			got := registrytest.ErrorFields(NewStrategy().Validate(context.Background(), d))
			if len(tc.want) == 0 && len(got) != 0 {
				t.Fatalf("unexpected errors: %v", NewStrategy().Validate(context.Background(), d))
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing error at %s; got %v", w, got)
				}
			}
		})
	}
}

func TestSelectorMismatchMessage(t *testing.T) {
	d := newDeployment()
	NewStrategy().Default(d)
	d.Spec.Template.Labels = map[string]string{"app": "other"}
	errs := NewStrategy().Validate(context.Background(), d)
	if len(errs) != 1 || errs[0].Detail != "`selector` does not match template `labels`" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestUpdate(t *testing.T) {
	s := NewStrategy()
	ctx := context.Background()
	old := newDeployment()
	s.Default(old)
	old.ResourceVersion = "5"
	s.PrepareForCreate(ctx, old)
	if old.Generation != 1 {
		t.Fatalf("generation after create = %d", old.Generation)
	}
	old.Status.Replicas = 3

	t.Run("selector immutable", func(t *testing.T) {
		d := old.DeepCopy()
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "fe"}}
		d.Spec.Template.Labels["tier"] = "fe"
		errs := s.ValidateUpdate(ctx, d, old)
		if len(errs) != 1 || errs[0].Field != "spec.selector" || errs[0].Detail != "field is immutable" {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("spec change bumps generation and keeps status", func(t *testing.T) {
		d := old.DeepCopy()
		d.Spec.Replicas = ptr.To[int32](5)
		d.Status.Replicas = 0
		s.PrepareForUpdate(ctx, d, old)
		if d.Generation != 2 || d.Status.Replicas != 3 {
			t.Fatalf("generation=%d status.replicas=%d", d.Generation, d.Status.Replicas)
		}
	})
	t.Run("annotation change bumps generation", func(t *testing.T) {
		d := old.DeepCopy()
		d.Annotations = map[string]string{"a": "b"}
		s.PrepareForUpdate(ctx, d, old)
		if d.Generation != 2 {
			t.Fatalf("generation=%d", d.Generation)
		}
	})
	t.Run("label change keeps generation", func(t *testing.T) {
		d := old.DeepCopy()
		d.Labels = map[string]string{"a": "b"}
		s.PrepareForUpdate(ctx, d, old)
		if d.Generation != 1 {
			t.Fatalf("generation=%d", d.Generation)
		}
	})
	t.Run("status update keeps spec", func(t *testing.T) {
		d := old.DeepCopy()
		d.Spec.Replicas = ptr.To[int32](9)
		d.Status.Replicas = 4
		d.Status.ReadyReplicas = 5
		s.PrepareForStatusUpdate(ctx, d, old)
		if *d.Spec.Replicas != 1 {
			t.Fatalf("spec changed through status")
		}
		errs := s.ValidateStatusUpdate(ctx, d, old)
		if len(errs) != 1 || errs[0].Field != "status.readyReplicas" {
			t.Fatalf("errors = %v", errs)
		}
	})
}

func TestTable(t *testing.T) {
	s := NewStrategy()
	d := newDeployment()
	s.Default(d)
	d.Status.ReadyReplicas = 1
	d.Status.UpdatedReplicas = 1
	d.Status.AvailableReplicas = 1
	cols := s.TableColumns()
	row, err := s.TableRow(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != len(row) {
		t.Fatalf("%d columns, %d cells", len(cols), len(row))
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	wantNames := []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("columns = %v", names)
	}
	want := []interface{}{"web", "1/1", int64(1), int64(1), "<unknown>", "nginx", "nginx:1.27", "app=web"}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d (%s) = %#v, want %#v", i, names[i], row[i], want[i])
		}
	}
}

func TestScale(t *testing.T) {
	r := Resources()[0]
	d := newDeployment()
	r.Strategy.Default(d)
	r.Scale.SetSpecReplicas(d, 4)
	if r.Scale.SpecReplicas(d) != 4 || r.Scale.Selector(d) != "app=web" {
		t.Fatalf("scale access: %d %q", r.Scale.SpecReplicas(d), r.Scale.Selector(d))
	}
}
