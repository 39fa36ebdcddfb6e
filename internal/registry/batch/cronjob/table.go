package cronjob

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/apps/workload"
	"github.com/nauta/nauta/internal/registry/core/columns"
	"github.com/nauta/nauta/internal/registry/core/podspec"
)

// TableColumns are kubectl's cron job columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	spec := batchv1beta1.CronJobSpec{}.SwaggerDoc()
	status := batchv1beta1.CronJobStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Schedule", Type: "string", Description: spec["schedule"]},
		{Name: "Timezone", Type: "string", Description: spec["timeZone"]},
		{Name: "Suspend", Type: "boolean", Description: spec["suspend"]},
		{Name: "Active", Type: "integer", Description: status["active"]},
		{Name: "Last Schedule", Type: "string", Description: status["lastScheduleTime"]},
		columns.Age(),
		workload.ContainersColumn,
		workload.ImagesColumn,
		workload.SelectorColumn(batchv1.JobSpec{}.SwaggerDoc()["selector"]),
	}
}

// TableRow prints one cron job.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return nil, fmt.Errorf("expected *v1.CronJob, got %T", obj)
	}
	now := time.Now()
	lastSchedule := "<none>"
	if cj.Status.LastScheduleTime != nil {
		lastSchedule = registry.HumanAge(*cj.Status.LastScheduleTime, now)
	}
	timeZone := "<none>"
	if cj.Spec.TimeZone != nil {
		timeZone = *cj.Spec.TimeZone
	}
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = "False"
		if *cj.Spec.Suspend {
			suspend = "True"
		}
	}
	names, images := podspec.ContainerNamesAndImages(cj.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return []interface{}{
		cj.Name,
		cj.Spec.Schedule,
		timeZone,
		suspend,
		int64(len(cj.Status.Active)),
		lastSchedule,
		registry.HumanAge(cj.CreationTimestamp, now),
		names,
		images,
		metav1.FormatLabelSelector(cj.Spec.JobTemplate.Spec.Selector),
	}, nil
}
