// Package horizontalpodautoscaler holds the autoscaling HorizontalPodAutoscaler
// resource, stored as autoscaling/v2 and served as v2 and v1. It owns the v2
// defaults and validation, the v1<->v2 conversion (v2-only data rides in
// the autoscaling.alpha.kubernetes.io/* annotations of v1 objects, as
// upstream does) and the table columns.
//
// It must not do I/O or compute scaling decisions.
package horizontalpodautoscaler
