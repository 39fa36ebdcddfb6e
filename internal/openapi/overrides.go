package openapi

// Facts about the API that live in comment markers (+listType, +listMapKey,
// +structType, +mapType, +optional) of the k8s.io/api sources and so cannot
// be read by reflection. Only the cases that change behaviour for clients
// (server-side apply merging, explain's -required-) are listed.

// fieldRef names one field by the definition name of the struct declaring
// it and the field's JSON name.
type fieldRef struct {
	owner string
	field string
}

// listMapKeys are associative lists whose keys differ from what the
// patchMergeKey tag says (several keys, or no patch tag at all).
var listMapKeys = map[fieldRef][]string{
	{"io.k8s.api.core.v1.Container", "ports"}:                                             {"containerPort", "protocol"},
	{"io.k8s.api.core.v1.EphemeralContainerCommon", "ports"}:                              {"containerPort", "protocol"},
	{"io.k8s.api.core.v1.ServiceSpec", "ports"}:                                           {"port", "protocol"},
	{"io.k8s.api.core.v1.PodSpec", "topologySpreadConstraints"}:                           {"topologyKey", "whenUnsatisfiable"},
	{"io.k8s.api.core.v1.ResourceRequirements", "claims"}:                                 {"name"},
	{"io.k8s.api.core.v1.ResourceStatus", "resources"}:                                    {"resourceID"},
	{"io.k8s.api.core.v1.PodStatus", "volumeHealth"}:                                      {"name"},
	{"io.k8s.api.core.v1.VolumeHealthStatus", "healthConditions"}:                         {"status", "reason"},
	{"io.k8s.api.core.v1.PodVolumeHealth", "healthConditions"}:                            {"status", "reason"},
	{"io.k8s.api.certificates.v1.CertificateSigningRequestStatus", "conditions"}:          {"type"},
	{"io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus", "conditions"}: {"type"},
}

// fieldDefaults are the defaults of list map key fields: server-side apply
// needs them to identify items of an applied configuration that omit the
// key (a container port given without protocol is the TCP one).
var fieldDefaults = map[fieldRef]any{
	{"io.k8s.api.core.v1.ContainerPort", "protocol"}: "TCP",
	{"io.k8s.api.core.v1.ServicePort", "protocol"}:   "TCP",
}

// atomicMaps are map fields replaced as a whole by server-side apply.
var atomicMaps = map[fieldRef]bool{
	{"io.k8s.api.core.v1.PodSpec", "nodeSelector"}:               true,
	{"io.k8s.api.core.v1.ServiceSpec", "selector"}:               true,
	{"io.k8s.api.core.v1.ReplicationControllerSpec", "selector"}: true,
	{"io.k8s.api.node.v1.Scheduling", "nodeSelector"}:            true,
}

// atomicStructs are struct types replaced as a whole by server-side apply.
var atomicStructs = map[string]bool{
	"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector":    true,
	"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference":   true,
	"io.k8s.api.core.v1.SecretReference":                    true,
	"io.k8s.api.core.v1.FileKeySelector":                    true,
	"io.k8s.api.core.v1.ObjectFieldSelector":                true,
	"io.k8s.api.core.v1.ResourceFieldSelector":              true,
	"io.k8s.api.core.v1.ConfigMapKeySelector":               true,
	"io.k8s.api.core.v1.SecretKeySelector":                  true,
	"io.k8s.api.core.v1.NodeSelector":                       true,
	"io.k8s.api.core.v1.NodeSelectorTerm":                   true,
	"io.k8s.api.core.v1.TopologySelectorTerm":               true,
	"io.k8s.api.core.v1.EndpointAddress":                    true,
	"io.k8s.api.core.v1.EndpointPort":                       true,
	"io.k8s.api.core.v1.ObjectReference":                    true,
	"io.k8s.api.core.v1.LocalObjectReference":               true,
	"io.k8s.api.core.v1.TypedLocalObjectReference":          true,
	"io.k8s.api.core.v1.ScopeSelector":                      true,
	"io.k8s.api.autoscaling.v1.CrossVersionObjectReference": true,
	"io.k8s.api.networking.v1.ServiceBackendPort":           true,
	"io.k8s.api.rbac.v1.Subject":                            true,
	"io.k8s.api.rbac.v1.RoleRef":                            true,
	"io.k8s.api.discovery.v1.EndpointPort":                  true,
}

// optionalFields are non-pointer fields without omitempty that upstream
// nevertheless marks optional.
var optionalFields = map[fieldRef]bool{
	{"io.k8s.api.apps.v1.StatefulSetOrdinals", "start"}:                           true,
	{"io.k8s.api.apps.v1.StatefulSetSpec", "serviceName"}:                         true,
	{"io.k8s.api.apps.v1.StatefulSetStatus", "availableReplicas"}:                 true,
	{"io.k8s.api.apps.v1.StatefulSetCondition", "type"}:                           true,
	{"io.k8s.api.apps.v1.StatefulSetCondition", "status"}:                         true,
	{"io.k8s.api.apps.v1.DeploymentCondition", "type"}:                            true,
	{"io.k8s.api.apps.v1.DeploymentCondition", "status"}:                          true,
	{"io.k8s.api.apps.v1.DaemonSetCondition", "type"}:                             true,
	{"io.k8s.api.apps.v1.DaemonSetCondition", "status"}:                           true,
	{"io.k8s.api.apps.v1.ReplicaSetCondition", "type"}:                            true,
	{"io.k8s.api.apps.v1.ReplicaSetCondition", "status"}:                          true,
	{"io.k8s.api.apps.v1.ControllerRevision", "revision"}:                         true,
	{"io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus", "currentMetrics"}: true,
	{"io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern", "status"}:      true,
	{"io.k8s.api.core.v1.ProjectedVolumeSource", "sources"}:                       true,
	{"io.k8s.api.core.v1.NodeRuntimeHandler", "name"}:                             true,
	{"io.k8s.api.core.v1.ContainerImage", "names"}:                                true,
	{"io.k8s.api.core.v1.Event", "reportingComponent"}:                            true,
	{"io.k8s.api.core.v1.Event", "reportingInstance"}:                             true,
	{"io.k8s.api.discovery.v1.EndpointSlice", "endpoints"}:                        true,
	{"io.k8s.api.discovery.v1.EndpointSlice", "ports"}:                            true,
	{"io.k8s.api.events.v1.Event", "metadata"}:                                    true,
	{"io.k8s.api.flowcontrol.v1.FlowSchemaSpec", "matchingPrecedence"}:            true,
	{"io.k8s.api.flowcontrol.v1.ResourcePolicyRule", "namespaces"}:                true,
	{"io.k8s.api.flowcontrol.v1.QueuingConfiguration", "queues"}:                  true,
	{"io.k8s.api.flowcontrol.v1.QueuingConfiguration", "handSize"}:                true,
	{"io.k8s.api.flowcontrol.v1.QueuingConfiguration", "queueLengthLimit"}:        true,
	{"io.k8s.api.networking.v1.NetworkPolicySpec", "podSelector"}:                 true,
	{"io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "disruptionsAllowed"}:      true,
	{"io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "currentHealthy"}:          true,
	{"io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "desiredHealthy"}:          true,
	{"io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "expectedPods"}:            true,
	{"io.k8s.api.rbac.v1.RoleRef", "apiGroup"}:                                    true,
	{"io.k8s.api.rbac.v1.Role", "rules"}:                                          true,
	{"io.k8s.api.rbac.v1.ClusterRole", "rules"}:                                   true,
	{"io.k8s.api.resource.v1.ResourceClaim", "spec"}:                              true,
	{"io.k8s.api.resource.v1.ResourceClaimSpec", "devices"}:                       true,
	{"io.k8s.api.resource.v1.DeviceClaim", "requests"}:                            true,
	{"io.k8s.api.resource.v1.DeviceClass", "spec"}:                                true,
	{"io.k8s.api.resource.v1.ResourceClaimTemplate", "spec"}:                      true,
	{"io.k8s.api.resource.v1.ResourceClaimTemplateSpec", "spec"}:                  true,
	{"io.k8s.api.resource.v1.AllocatedDeviceStatus", "conditions"}:                true,
	{"io.k8s.api.scheduling.v1.PriorityClass", "value"}:                           true,
	{"io.k8s.api.storage.v1.CSINodeDriver", "topologyKeys"}:                       true,
}

// requiredFields are pointer fields upstream marks required.
var requiredFields = map[fieldRef]bool{
	{"io.k8s.api.admissionregistration.v1.ValidatingWebhook", "sideEffects"}: true,
	{"io.k8s.api.admissionregistration.v1.MutatingWebhook", "sideEffects"}:   true,
	{"io.k8s.api.apps.v1.StatefulSetSpec", "selector"}:                       true,
	{"io.k8s.api.apps.v1.DeploymentSpec", "selector"}:                        true,
	{"io.k8s.api.apps.v1.DaemonSetSpec", "selector"}:                         true,
	{"io.k8s.api.apps.v1.ReplicaSetSpec", "selector"}:                        true,
	{"io.k8s.api.core.v1.ScaleIOVolumeSource", "secretRef"}:                  true,
	{"io.k8s.api.core.v1.ScaleIOPersistentVolumeSource", "secretRef"}:        true,
	{"io.k8s.api.core.v1.EvictionResponder", "priority"}:                     true,
	{"io.k8s.api.core.v1.NodeAllocatableMappedResources", "quantity"}:        true,
	{"io.k8s.api.networking.v1.HTTPIngressPath", "pathType"}:                 true,
}

// typeDescriptions document the apimachinery value types that carry no
// SwaggerDoc of their own.
var typeDescriptions = map[string]string{
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       "A point in time, serialized as an RFC 3339 string with second precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":  "A point in time, serialized as an RFC 3339 string with microsecond precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":   "A length of time, serialized as a Go duration string such as \"1h30m\".",
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1":   "A set of field paths, serialized as a trie of JSON objects; used by server-side apply to record field ownership.",
	"io.k8s.apimachinery.pkg.api.resource.Quantity":   "A fixed-point number with an optional SI or binary suffix, such as \"100m\", \"1.5\" or \"2Gi\". Serialized as a string; plain numbers are accepted.",
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "A value that is either an integer or a string, such as 8080 or \"http\" or \"25%\".",
	"io.k8s.apimachinery.pkg.runtime.RawExtension":    "An embedded object of any kind, serialized as its own JSON object.",
}

// applyFieldOverrides adds the list and map semantics listed above to the
// schema of one property.
func applyFieldOverrides(prop *jsonSchema, ref fieldRef) {
	if keys, ok := listMapKeys[ref]; ok && prop.Type == "array" {
		prop.setExtension("x-kubernetes-list-type", "map")
		prop.setExtension("x-kubernetes-list-map-keys", keys)
	}
	if def, ok := fieldDefaults[ref]; ok {
		prop.Default = def
	}
	if atomicMaps[ref] && prop.Type == "object" {
		prop.setExtension("x-kubernetes-map-type", "atomic")
	}
}
