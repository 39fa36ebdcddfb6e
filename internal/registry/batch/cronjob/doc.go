// Package cronjob holds the batch/v1 CronJob resource: defaults, validation
// of the schedule (a standard five-field cron spec or an @descriptor,
// parsed here) and time zone, the job template rules, spec/status split and
// table columns.
//
// It must not do I/O or run anything on a schedule; creating jobs is the
// cronjob controller's job.
package cronjob
