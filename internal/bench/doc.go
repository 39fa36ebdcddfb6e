// Package bench measures a running Nauta cluster the way clients load it,
// only through client-go: `nauta bench api` (create/get/list throughput and
// latency at several concurrencies, watch-event delivery to many watchers)
// and `nauta bench scheduling` (Deployments of thousands of pods onto
// simulated nodes: bind rate, create→bound latency, time to Running, server
// RSS and CPU time per bound pod, optionally a CPU profile of the server). docs/benchmarks.md records the numbers.
package bench
