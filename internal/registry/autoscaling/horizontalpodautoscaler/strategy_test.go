package horizontalpodautoscaler

import (
	"context"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newHPA() *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "1"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5,
		},
	}
	NewStrategy().Default(h)
	return h
}

func TestDefault(t *testing.T) {
	h := newHPA()
	if *h.Spec.MinReplicas != 1 {
		t.Errorf("minReplicas = %d", *h.Spec.MinReplicas)
	}
	if len(h.Spec.Metrics) != 1 || !isCPUUtilization(&h.Spec.Metrics[0]) || *h.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("metrics = %+v", h.Spec.Metrics)
	}
	if h.Spec.Behavior != nil {
		t.Errorf("behavior defaulted without being set")
	}
	withBehavior := newHPA()
	withBehavior.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)},
	}
	NewStrategy().Default(withBehavior)
	b := withBehavior.Spec.Behavior
	if *b.ScaleDown.StabilizationWindowSeconds != 60 || len(b.ScaleDown.Policies) != 1 || *b.ScaleDown.SelectPolicy != autoscalingv2.MaxChangePolicySelect {
		t.Errorf("scaleDown = %+v", b.ScaleDown)
	}
	if *b.ScaleUp.StabilizationWindowSeconds != 0 || len(b.ScaleUp.Policies) != 2 || b.ScaleUp.Policies[0].Value != 4 {
		t.Errorf("scaleUp = %+v", b.ScaleUp)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []string
	}{
		{name: "valid", mutate: func(*autoscalingv2.HorizontalPodAutoscaler) {}},
		{name: "rc without group", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "ReplicationController", Name: "rc"}
		}},
		{name: "deployment without group", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.APIVersion = "v1" }, want: []string{"spec.scaleTargetRef.apiVersion"}},
		{name: "min zero", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](0) }, want: []string{"spec.minReplicas"}},
		{name: "max unset", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 }, want: []string{"spec.maxReplicas"}},
		{name: "max below min", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](6) }, want: []string{"spec.maxReplicas"}},
		{name: "no target name", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "" }, want: []string{"spec.scaleTargetRef.name"}},
		{name: "bad utilization", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageUtilization = ptr.To[int32](0)
		}, want: []string{"spec.metrics[0].resource.target.averageUtilization"}},
		{name: "two sources", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Pods = &autoscalingv2.PodsMetricSource{}
		}, want: []string{"spec.metrics[0].pods"}},
		{name: "missing source", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0] = autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType}
		}, want: []string{"spec.metrics[0].pods"}},
		{name: "pods without average", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0] = autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "qps"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType},
			}}
		}, want: []string{"spec.metrics[0].pods.target.averageValue"}},
		{name: "bad behavior", mutate: func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				Policies: []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 3600}},
			}}
		}, want: []string{"spec.behavior.scaleUp.policies[0].type", "spec.behavior.scaleUp.policies[0].value", "spec.behavior.scaleUp.policies[0].periodSeconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHPA()
			tc.mutate(h)
			errs := NewStrategy().Validate(context.Background(), h)
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestGeneration(t *testing.T) {
	s := NewStrategy()
	ctx := context.Background()
	h := newHPA()
	h.Status.CurrentReplicas = 3
	s.PrepareForCreate(ctx, h)
	if h.Generation != 1 || h.Status.CurrentReplicas != 0 {
		t.Fatalf("create: gen %d status %+v", h.Generation, h.Status)
	}
	u := h.DeepCopy()
	u.Spec.MaxReplicas = 9
	s.PrepareForUpdate(ctx, u, h)
	if u.Generation != 2 {
		t.Fatalf("generation = %d", u.Generation)
	}
}

func TestTable(t *testing.T) {
	h := newHPA()
	h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{
		Type: autoscalingv2.PodsMetricSourceType,
		Pods: &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: "qps"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))}},
	}, autoscalingv2.MetricSpec{
		Type:     autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{Name: "memory", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("100Mi"))}},
	})
	h.Status.CurrentReplicas = 2
	h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
		Type:     autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: "cpu", Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](45)}},
	}}
	row, err := NewStrategy().TableRow(h)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"web", "Deployment/web", "cpu: 45%/80%, <unknown>/10 + 1 more...", "1", int64(5), int64(2), "<unknown>"}
	if len(row) != len(want) || len(row) != len(NewStrategy().TableColumns()) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
