// Package podtemplate holds the core/v1 podtemplates resource: template
// defaults and validation (shared with the workload kinds through package
// podspec), generation bumps on template changes, and the NAME CONTAINERS
// IMAGES POD LABELS table. No I/O.
package podtemplate
