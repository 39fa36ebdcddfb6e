// Package job holds the batch/v1 Job resource: defaults, the generated
// selector and pod labels (controller-uid, job-name), validation including
// the template immutability rules, the status.successful field selector and
// table columns.
//
// It must not do I/O; running pods is the job controller's job.
package job
