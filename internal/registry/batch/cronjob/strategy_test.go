package cronjob

import (
	"context"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newCronJob() *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default", ResourceVersion: "1"},
		Spec: batchv1.CronJobSpec{
			Schedule: "*/1 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyOnFailure,
					Containers:    []corev1.Container{{Name: "hello", Image: "busybox"}},
				}}},
			},
		},
	}
	NewStrategy().Default(cj)
	return cj
}

func TestDefault(t *testing.T) {
	cj := newCronJob()
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("spec = %+v", s)
	}
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Parallelism != nil {
		t.Errorf("job template got job defaults")
	}
	if s.JobTemplate.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("pod defaults missing")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*batchv1.CronJob)
		want   []string
	}{
		{name: "valid", mutate: func(*batchv1.CronJob) {}},
		{name: "valid descriptor and zone", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.Schedule = "@daily"
			cj.Spec.TimeZone = ptr.To("Europe/Berlin")
		}},
		{name: "no schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "" }, want: []string{"spec.schedule"}},
		{name: "bad schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "every minute" }, want: []string{"spec.schedule"}},
		{name: "TZ in schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" }, want: []string{"spec.schedule"}},
		{name: "unknown zone", mutate: func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Mars/Olympus") }, want: []string{"spec.timeZone"}},
		{name: "local zone", mutate: func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Local") }, want: []string{"spec.timeZone"}},
		{name: "bad policy", mutate: func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = "Sometimes" }, want: []string{"spec.concurrencyPolicy"}},
		{name: "selector set", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, want: []string{"spec.jobTemplate.spec.selector"}},
		{name: "restart always", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, want: []string{"spec.jobTemplate.spec.template.spec.restartPolicy"}},
		{name: "long name", mutate: func(cj *batchv1.CronJob) { cj.Name = strings.Repeat("a", 53) }, want: []string{"metadata.name"}},
		{name: "negative history", mutate: func(cj *batchv1.CronJob) { cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](-1) }, want: []string{"spec.failedJobsHistoryLimit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cj := newCronJob()
			tc.mutate(cj)
			errs := NewStrategy().Validate(context.Background(), cj)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestScheduleMessage(t *testing.T) {
	cj := newCronJob()
	cj.Spec.Schedule = "foo"
	errs := NewStrategy().Validate(context.Background(), cj)
	if len(errs) != 1 || errs[0].Error() != `spec.schedule: Invalid value: "foo": expected exactly 5 fields, found 1: [foo]` {
		t.Fatalf("errors = %v", errs)
	}
}

func TestValidateUpdate(t *testing.T) {
	old := newCronJob()
	old.Spec.Schedule = "TZ=UTC 0 * * * *"
	cj := old.DeepCopy()
	cj.Spec.Suspend = ptr.To(true)
	cj.Name = old.Name
	if errs := NewStrategy().ValidateUpdate(context.Background(), cj, old); len(errs) != 0 {
		t.Fatalf("existing TZ schedule rejected: %v", errs)
	}
	cj.Spec.TimeZone = ptr.To("UTC")
	if errs := NewStrategy().ValidateUpdate(context.Background(), cj, old); !slices.Equal(registrytest.ErrorFields(errs), []string{"spec.schedule"}) {
		t.Fatalf("errors = %v", errs)
	}
}

func TestTable(t *testing.T) {
	cj := newCronJob()
	cj.Status.Active = []corev1.ObjectReference{{Name: "hello-1"}}
	row, err := NewStrategy().TableRow(cj)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"hello", "*/1 * * * *", "<none>", "False", int64(1), "<none>", "<unknown>", "hello", "busybox", "<none>"}
	if len(row) != len(NewStrategy().TableColumns()) || len(row) != len(want) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
