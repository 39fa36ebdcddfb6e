package openapi

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry"
)

// testResources is a small stand-in for the built-in resource list.
func testResources() []*registry.Resource {
	core := schema.GroupVersion{Version: "v1"}
	scale := &registry.ScaleAccess{
		SpecReplicas:    func(runtime.Object) int32 { return 0 },
		SetSpecReplicas: func(runtime.Object, int32) {},
		StatusReplicas:  func(runtime.Object) int32 { return 0 },
		Selector:        func(runtime.Object) string { return "" },
	}
	return []*registry.Resource{
		{
			GroupVersion: core, Resource: "pods", Kind: "Pod", Singular: "pod", ShortNames: []string{"po"},
			Namespaced: true, New: func() runtime.Object { return &corev1.Pod{} },
			NewList:       func() runtime.Object { return &corev1.PodList{} },
			StoragePrefix: "/registry/pods", Strategy: registry.BaseStrategy{HasStatus: true}, Status: true,
		},
		{
			GroupVersion: core, Resource: "configmaps", Kind: "ConfigMap", Singular: "configmap", Namespaced: true,
			New:           func() runtime.Object { return &corev1.ConfigMap{} },
			NewList:       func() runtime.Object { return &corev1.ConfigMapList{} },
			StoragePrefix: "/registry/configmaps", Strategy: registry.BaseStrategy{},
		},
		{
			GroupVersion: core, Resource: "services", Kind: "Service", Singular: "service", Namespaced: true,
			Verbs:         []string{"create", "delete", "get", "list", "patch", "update", "watch"},
			New:           func() runtime.Object { return &corev1.Service{} },
			NewList:       func() runtime.Object { return &corev1.ServiceList{} },
			StoragePrefix: "/registry/services/specs", Strategy: registry.BaseStrategy{HasStatus: true}, Status: true,
		},
		{
			GroupVersion: core, Resource: "nodes", Kind: "Node", Singular: "node",
			New:           func() runtime.Object { return &corev1.Node{} },
			NewList:       func() runtime.Object { return &corev1.NodeList{} },
			StoragePrefix: "/registry/minions", Strategy: registry.BaseStrategy{HasStatus: true, ClusterScoped: true}, Status: true,
		},
		{
			GroupVersion: appsv1.SchemeGroupVersion, Resource: "deployments", Kind: "Deployment", Singular: "deployment",
			Namespaced: true, New: func() runtime.Object { return &appsv1.Deployment{} },
			NewList:       func() runtime.Object { return &appsv1.DeploymentList{} },
			StoragePrefix: "/registry/deployments", Strategy: registry.BaseStrategy{HasStatus: true, TracksGeneration: true},
			Status: true, Scale: scale,
		},
		{
			GroupVersion: batchv1.SchemeGroupVersion, Resource: "cronjobs", Kind: "CronJob", Singular: "cronjob",
			Namespaced: true, New: func() runtime.Object { return &batchv1.CronJob{} },
			NewList:       func() runtime.Object { return &batchv1.CronJobList{} },
			StoragePrefix: "/registry/cronjobs", Strategy: registry.BaseStrategy{HasStatus: true}, Status: true,
		},
		{
			GroupVersion: autoscalingv2.SchemeGroupVersion, Resource: "horizontalpodautoscalers",
			Kind: "HorizontalPodAutoscaler", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"},
			Namespaced: true, New: func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
			NewList:       func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
			StoragePrefix: "/registry/horizontalpodautoscalers", Strategy: registry.BaseStrategy{HasStatus: true}, Status: true,
		},
		{
			// Served in v1, stored in v2: the schema must be the v1 type.
			GroupVersion: schema.GroupVersion{Group: "autoscaling", Version: "v1"}, Resource: "horizontalpodautoscalers",
			Kind: "HorizontalPodAutoscaler", Singular: "horizontalpodautoscaler", Namespaced: true,
			New:            func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
			NewList:        func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
			StoragePrefix:  "/registry/horizontalpodautoscalers",
			StorageVersion: autoscalingv2.SchemeGroupVersion,
			Strategy:       registry.BaseStrategy{HasStatus: true}, Status: true,
		},
	}
}

func newTestSpec(t *testing.T) *Spec {
	t.Helper()
	s, err := New(testResources())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}
