// Package bench measures a running Nauta API server the way clients load
// it: create/get/list throughput and latency at several concurrencies, and
// watch-event delivery latency to many watchers. It only talks to the API
// server through client-go; `nauta bench api` prints its report, and
// docs/benchmarks.md records the numbers.
package bench
