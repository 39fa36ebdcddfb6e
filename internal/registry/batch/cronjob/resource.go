package cronjob

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns batch/v1 cronjobs.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  batchv1.SchemeGroupVersion,
		Resource:      "cronjobs",
		Kind:          "CronJob",
		Singular:      "cronjob",
		ShortNames:    []string{"cj"},
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &batchv1.CronJob{} },
		NewList:       func() runtime.Object { return &batchv1.CronJobList{} },
		StoragePrefix: "/registry/batch/cronjobs",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
