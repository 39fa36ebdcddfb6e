package discovery

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry"
)

// subresource is one subresource of a served resource as discovery shows it.
type subresource struct {
	name string
	// kind is the kind the subresource answers with; its group version is
	// the parent's unless gv is set.
	kind  string
	gv    *schema.GroupVersion
	verbs []string
}

var (
	autoscalingV1    = schema.GroupVersion{Group: "autoscaling", Version: "v1"}
	policyV1         = schema.GroupVersion{Group: "policy", Version: "v1"}
	authenticationV1 = schema.GroupVersion{Group: "authentication.k8s.io", Version: "v1"}

	connectVerbs = []string{"create", "delete", "get", "patch", "update"}
	rwVerbs      = []string{"get", "patch", "update"}
)

// extraSubresources are the subresources registry.Resource has no field for
// (Status and Scale are derived from the resource itself). They are listed
// only when their parent resource is served.
var extraSubresources = map[schema.GroupResource][]subresource{
	{Resource: "pods"}: {
		{name: "attach", kind: "PodAttachOptions", verbs: []string{"create", "get"}},
		{name: "binding", kind: "Binding", verbs: []string{"create"}},
		{name: "ephemeralcontainers", kind: "Pod", verbs: rwVerbs},
		{name: "eviction", kind: "Eviction", gv: &policyV1, verbs: []string{"create"}},
		{name: "exec", kind: "PodExecOptions", verbs: []string{"create", "get"}},
		{name: "log", kind: "Pod", verbs: []string{"get"}},
		{name: "portforward", kind: "PodPortForwardOptions", verbs: []string{"create", "get"}},
		{name: "proxy", kind: "PodProxyOptions", verbs: connectVerbs},
		{name: "resize", kind: "Pod", verbs: rwVerbs},
	},
	{Resource: "nodes"}: {
		{name: "proxy", kind: "NodeProxyOptions", verbs: connectVerbs},
	},
	{Resource: "services"}: {
		{name: "proxy", kind: "ServiceProxyOptions", verbs: connectVerbs},
	},
	{Resource: "namespaces"}: {
		{name: "finalize", kind: "Namespace", verbs: []string{"update"}},
	},
	{Resource: "serviceaccounts"}: {
		{name: "token", kind: "TokenRequest", gv: &authenticationV1, verbs: []string{"create"}},
	},
	{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}: {
		{name: "approval", kind: "CertificateSigningRequest", verbs: rwVerbs},
	},
}

// subresourcesOf returns every subresource of res, sorted by name.
func subresourcesOf(res *registry.Resource) []subresource {
	byName := map[string]subresource{}
	if res.Status {
		byName["status"] = subresource{name: "status", kind: res.Kind, verbs: rwVerbs}
	}
	if res.Scale != nil {
		byName["scale"] = subresource{name: "scale", kind: "Scale", gv: &autoscalingV1, verbs: rwVerbs}
	}
	for _, s := range extraSubresources[res.GroupResource()] {
		byName[s.name] = s
	}
	out := make([]subresource, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	sortSubresources(out)
	return out
}

// groupVersionKind returns the kind the subresource answers with when its
// parent is served at parent.
func (s subresource) groupVersionKind(parent schema.GroupVersion) schema.GroupVersionKind {
	if s.gv != nil {
		return s.gv.WithKind(s.kind)
	}
	return parent.WithKind(s.kind)
}
