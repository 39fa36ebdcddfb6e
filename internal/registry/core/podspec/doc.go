// Package podspec defaults and validates pod specs and pod templates the way
// the upstream API server does, for every kind that embeds one: core pods,
// pod templates and replication controllers, and the workload kinds of the
// other groups (deployments, jobs, ...). It also holds small pod helpers the
// table printers share (QoS class, container names and images).
//
// Everything here is a pure function of its arguments: no I/O, no storage,
// no knowledge of which kind embeds the spec. Kind-specific rules (pod
// update immutability, controller selector matching) live with the kinds,
// except ValidateReplicatedPodTemplate, which all replica controllers share.
package podspec
