package discovery

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry"
)

// testResources is a slice of the real API, shaped like the registry's.
func testResources() []*registry.Resource {
	core := schema.GroupVersion{Version: "v1"}
	apps := schema.GroupVersion{Group: "apps", Version: "v1"}
	scale := &registry.ScaleAccess{}
	return []*registry.Resource{
		{GroupVersion: core, Resource: "pods", Kind: "Pod", Singular: "pod", ShortNames: []string{"po"},
			Categories: []string{"all"}, Namespaced: true, StoragePrefix: "/registry/pods", Status: true},
		{GroupVersion: core, Resource: "namespaces", Kind: "Namespace", Singular: "namespace", ShortNames: []string{"ns"},
			StoragePrefix: "/registry/namespaces", Status: true,
			Verbs: []string{"watch", "create", "delete", "get", "list", "patch", "update"}},
		{GroupVersion: core, Resource: "nodes", Kind: "Node", Singular: "node", ShortNames: []string{"no"},
			StoragePrefix: "/registry/minions", Status: true},
		{GroupVersion: core, Resource: "services", Kind: "Service", Singular: "service", ShortNames: []string{"svc"},
			Categories: []string{"all"}, Namespaced: true, StoragePrefix: "/registry/services/specs", Status: true},
		{GroupVersion: core, Resource: "configmaps", Kind: "ConfigMap", Singular: "configmap", ShortNames: []string{"cm"},
			Namespaced: true, StoragePrefix: "/registry/configmaps"},
		{GroupVersion: core, Resource: "replicationcontrollers", Kind: "ReplicationController", ShortNames: []string{"rc"},
			Categories: []string{"all"}, Namespaced: true, StoragePrefix: "/registry/controllers", Status: true, Scale: scale},
		{GroupVersion: core, Resource: "serviceaccounts", Kind: "ServiceAccount", Singular: "serviceaccount",
			ShortNames: []string{"sa"}, Namespaced: true, StoragePrefix: "/registry/serviceaccounts"},
		{GroupVersion: core, Resource: "events", Kind: "Event", Singular: "event", ShortNames: []string{"ev"},
			Namespaced: true, StoragePrefix: "/registry/events"},
		{GroupVersion: core, Resource: "bindings", Kind: "Binding", Singular: "binding", Namespaced: true,
			Verbs: []string{"create"}},
		{GroupVersion: apps, Resource: "deployments", Kind: "Deployment", Singular: "deployment",
			ShortNames: []string{"deploy"}, Categories: []string{"all"}, Namespaced: true,
			StoragePrefix: "/registry/deployments", Status: true, Scale: scale},
		{GroupVersion: apps, Resource: "daemonsets", Kind: "DaemonSet", Singular: "daemonset",
			ShortNames: []string{"ds"}, Categories: []string{"all"}, Namespaced: true,
			StoragePrefix: "/registry/daemonsets", Status: true},
		{GroupVersion: schema.GroupVersion{Group: "autoscaling", Version: "v1"}, Resource: "horizontalpodautoscalers",
			Kind: "HorizontalPodAutoscaler", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"},
			Categories: []string{"all"}, Namespaced: true, StoragePrefix: "/registry/horizontalpodautoscalers",
			StorageVersion: schema.GroupVersion{Group: "autoscaling", Version: "v2"}, Status: true},
		{GroupVersion: schema.GroupVersion{Group: "autoscaling", Version: "v2"}, Resource: "horizontalpodautoscalers",
			Kind: "HorizontalPodAutoscaler", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"},
			Categories: []string{"all"}, Namespaced: true, StoragePrefix: "/registry/horizontalpodautoscalers", Status: true},
		{GroupVersion: schema.GroupVersion{Group: "events.k8s.io", Version: "v1"}, Resource: "events", Kind: "Event",
			Singular: "event", ShortNames: []string{"ev"}, Namespaced: true, StoragePrefix: "/registry/events",
			StorageVersion: core},
		{GroupVersion: schema.GroupVersion{Group: "policy", Version: "v1"}, Resource: "poddisruptionbudgets",
			Kind: "PodDisruptionBudget", Singular: "poddisruptionbudget", ShortNames: []string{"pdb"}, Namespaced: true,
			StoragePrefix: "/registry/poddisruptionbudgets", Status: true},
		{GroupVersion: schema.GroupVersion{Group: "certificates.k8s.io", Version: "v1"}, Resource: "certificatesigningrequests",
			Kind: "CertificateSigningRequest", Singular: "certificatesigningrequest", ShortNames: []string{"csr"},
			StoragePrefix: "/registry/certificatesigningrequests", Status: true},
	}
}
