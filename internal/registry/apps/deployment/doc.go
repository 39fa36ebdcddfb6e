// Package deployment holds the apps/v1 Deployment resource: its defaults,
// validation, spec/status split, /scale access and table columns.
//
// It must not do I/O or reach other kinds: the rollout itself is the
// deployment controller's job, not the registry's.
package deployment
