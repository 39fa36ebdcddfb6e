package job

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newJob() *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "1f2e3d4c-0000-4000-8000-000000000001", ResourceVersion: "1"},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "pi", Image: "perl:5.34"}},
				},
			},
		},
	}
}

// created returns a job as the API server stores it after create.
func created() *batchv1.Job {
	j := newJob()
	s := NewStrategy()
	s.Default(j)
	s.PrepareForCreate(context.Background(), j)
	return j
}

func TestDefault(t *testing.T) {
	j := newJob()
	NewStrategy().Default(j)
	s := j.Spec
	if *s.Parallelism != 1 || *s.Completions != 1 || *s.BackoffLimit != 6 {
		t.Errorf("parallelism/completions/backoffLimit = %d/%d/%d", *s.Parallelism, *s.Completions, *s.BackoffLimit)
	}
	if *s.CompletionMode != batchv1.NonIndexedCompletion || *s.Suspend || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed {
		t.Errorf("completionMode/suspend/podReplacementPolicy = %s/%v/%s", *s.CompletionMode, *s.Suspend, *s.PodReplacementPolicy)
	}
	if s.ManualSelector != nil {
		t.Errorf("manualSelector defaulted")
	}

	parallel := newJob()
	parallel.Spec.Parallelism = ptr.To[int32](3)
	NewStrategy().Default(parallel)
	if parallel.Spec.Completions != nil {
		t.Errorf("completions defaulted with parallelism set")
	}
}

func TestGeneratedSelector(t *testing.T) {
	j := created()
	uid := string(j.UID)
	wantLabels := map[string]string{
		"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
		"controller-uid": uid, "job-name": "pi",
	}
	for k, v := range wantLabels {
		if j.Spec.Template.Labels[k] != v {
			t.Errorf("template label %s = %q, want %q", k, j.Spec.Template.Labels[k], v)
		}
		if j.Labels[k] != v {
			t.Errorf("job label %s = %q, want %q", k, j.Labels[k], v)
		}
	}
	if len(j.Spec.Selector.MatchLabels) != 1 || j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != uid {
		t.Errorf("selector = %v", j.Spec.Selector)
	}
	if j.Generation != 1 {
		t.Errorf("generation = %d", j.Generation)
	}
	if errs := NewStrategy().Validate(context.Background(), j); len(errs) != 0 {
		t.Fatalf("generated job invalid: %v", errs)
	}

	// User labels on the job win; template labels are kept next to the generated ones.
	own := newJob()
	own.Labels = map[string]string{"team": "a"}
	own.Spec.Template.Labels = map[string]string{"app": "pi"}
	NewStrategy().Default(own)
	NewStrategy().PrepareForCreate(context.Background(), own)
	if len(own.Labels) != 1 || own.Spec.Template.Labels["app"] != "pi" {
		t.Errorf("labels = %v template = %v", own.Labels, own.Spec.Template.Labels)
	}

	manual := newJob()
	manual.Spec.ManualSelector = ptr.To(true)
	manual.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
	manual.Spec.Template.Labels = map[string]string{"app": "pi"}
	NewStrategy().Default(manual)
	NewStrategy().PrepareForCreate(context.Background(), manual)
	if len(manual.Spec.Template.Labels) != 1 {
		t.Errorf("manual selector got generated labels: %v", manual.Spec.Template.Labels)
	}
	if errs := NewStrategy().Validate(context.Background(), manual); len(errs) != 0 {
		t.Fatalf("manual job invalid: %v", errs)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []string
	}{
		{name: "valid", mutate: func(*batchv1.Job) {}},
		{name: "restart always", mutate: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }, want: []string{"spec.template.spec.restartPolicy"}},
		{name: "negative parallelism", mutate: func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](-1) }, want: []string{"spec.parallelism"}},
		{name: "negative backoff", mutate: func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](-1) }, want: []string{"spec.backoffLimit"}},
		{name: "wrong uid label", mutate: func(j *batchv1.Job) { j.Spec.Template.Labels["controller-uid"] = "x" }, want: []string{"spec.template.metadata.labels[controller-uid]"}},
		{name: "foreign selector", mutate: func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "other"}}
		}, want: []string{"spec.selector"}},
		{name: "indexed without completions", mutate: func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}, want: []string{"spec.completions"}},
		{name: "backoff per index non indexed", mutate: func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) }, want: []string{"spec.backoffLimitPerIndex"}},
		{name: "failure policy with OnFailure", mutate: func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action:      batchv1.PodFailurePolicyActionFailJob,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{3, 1}},
			}}}
		}, want: []string{"spec.template.spec.restartPolicy", "spec.podFailurePolicy.rules[0].onExitCodes.values"}},
		{name: "success policy needs indexed", mutate: func(j *batchv1.Job) {
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptr.To[int32](1)}}}
		}, want: []string{"spec.successPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := created()
			tc.mutate(j)
			errs := NewStrategy().Validate(context.Background(), j)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestRestartPolicyMessage(t *testing.T) {
	j := newJob()
	j.Spec.Template.Spec.RestartPolicy = ""
	NewStrategy().Default(j)
	NewStrategy().PrepareForCreate(context.Background(), j)
	errs := NewStrategy().Validate(context.Background(), j)
	if len(errs) != 1 || errs[0].Type != field.ErrorTypeRequired || errs[0].Detail != `valid values: "OnFailure", "Never"` {
		t.Fatalf("errors = %v", errs)
	}
}

func TestValidateUpdate(t *testing.T) {
	ctx := context.Background()
	old := created()
	t.Run("template immutable", func(t *testing.T) {
		j := old.DeepCopy()
		j.Spec.Template.Spec.Containers[0].Image = "perl:5.40"
		errs := NewStrategy().ValidateUpdate(ctx, j, old)
		if !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.template"}) {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("completions immutable", func(t *testing.T) {
		j := old.DeepCopy()
		j.Spec.Completions = ptr.To[int32](3)
		if errs := NewStrategy().ValidateUpdate(ctx, j, old); !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.completions"}) {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("parallelism and suspend mutable", func(t *testing.T) {
		j := old.DeepCopy()
		j.Spec.Parallelism = ptr.To[int32](4)
		j.Spec.Suspend = ptr.To(true)
		if errs := NewStrategy().ValidateUpdate(ctx, j, old); len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("suspended job may change node selector", func(t *testing.T) {
		susp := old.DeepCopy()
		susp.Spec.Suspend = ptr.To(true)
		j := susp.DeepCopy()
		j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
		if errs := NewStrategy().ValidateUpdate(ctx, j, susp); len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
		j.Spec.Template.Spec.Containers[0].Image = "other"
		if errs := NewStrategy().ValidateUpdate(ctx, j, susp); !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.template"}) {
			t.Fatalf("errors = %v", errs)
		}
	})
	t.Run("indexed completions scale with parallelism", func(t *testing.T) {
		idx := newJob()
		idx.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		idx.Spec.Completions = ptr.To[int32](2)
		idx.Spec.Parallelism = ptr.To[int32](2)
		NewStrategy().Default(idx)
		NewStrategy().PrepareForCreate(ctx, idx)
		j := idx.DeepCopy()
		j.Spec.Completions = ptr.To[int32](5)
		if errs := NewStrategy().ValidateUpdate(ctx, j, idx); !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.completions"}) {
			t.Fatalf("errors = %v", errs)
		}
		j.Spec.Parallelism = ptr.To[int32](5)
		if errs := NewStrategy().ValidateUpdate(ctx, j, idx); len(errs) != 0 {
			t.Fatalf("errors = %v", errs)
		}
	})
}

func TestAttrs(t *testing.T) {
	j := created()
	j.Status.Succeeded = 2
	_, f, err := NewStrategy().Attrs(j)
	if err != nil || f["status.successful"] != "2" || f["metadata.name"] != "pi" {
		t.Fatalf("fields = %v, %v", f, err)
	}
}

func TestTable(t *testing.T) {
	j := created()
	start := metav1.NewTime(time.Now().Add(-time.Hour))
	end := metav1.NewTime(start.Add(90 * time.Second))
	j.Status = batchv1.JobStatus{
		Succeeded: 1, StartTime: &start, CompletionTime: &end,
		Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}},
	}
	row, err := NewStrategy().TableRow(j)
	if err != nil {
		t.Fatal(err)
	}
	if len(row) != len(NewStrategy().TableColumns()) {
		t.Fatalf("row = %v", row)
	}
	want := []interface{}{"pi", "Complete", "1/1", "90s"}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
	j.Status = batchv1.JobStatus{}
	j.Spec.Completions = nil
	j.Spec.Parallelism = ptr.To[int32](3)
	row, _ = NewStrategy().TableRow(j)
	if row[1] != "Running" || row[2] != "0/1 of 3" || row[3] != "" {
		t.Errorf("running row = %v", row)
	}
}
