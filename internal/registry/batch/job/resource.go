package job

import (
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/registry"
)

// Resources returns batch/v1 jobs.
func Resources() []*registry.Resource {
	return []*registry.Resource{{
		GroupVersion:  batchv1.SchemeGroupVersion,
		Resource:      "jobs",
		Kind:          "Job",
		Singular:      "job",
		Categories:    []string{"all"},
		Namespaced:    true,
		New:           func() runtime.Object { return &batchv1.Job{} },
		NewList:       func() runtime.Object { return &batchv1.JobList{} },
		StoragePrefix: "/registry/batch/jobs",
		Strategy:      NewStrategy(),
		Status:        true,
	}}
}
