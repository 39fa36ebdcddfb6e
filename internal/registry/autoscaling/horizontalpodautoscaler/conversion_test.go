package horizontalpodautoscaler

import (
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestV1ToV2(t *testing.T) {
	tests := []struct {
		name    string
		in      autoscalingv1.HorizontalPodAutoscalerSpec
		wantCPU int32
	}{
		{name: "explicit cpu", in: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 3, TargetCPUUtilizationPercentage: ptr.To[int32](50)}, wantCPU: 50},
		{name: "implicit default", in: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 3}, wantCPU: 80},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: tc.in}
			in.Spec.ScaleTargetRef = autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
			obj, err := ToStorage(in)
			if err != nil {
				t.Fatal(err)
			}
			out := obj.(*autoscalingv2.HorizontalPodAutoscaler)
			if len(out.Spec.Metrics) != 1 || *out.Spec.Metrics[0].Resource.Target.AverageUtilization != tc.wantCPU {
				t.Fatalf("metrics = %+v", out.Spec.Metrics)
			}
			if out.Spec.ScaleTargetRef.Kind != "Deployment" || out.Spec.MaxReplicas != 3 || out.APIVersion != "autoscaling/v2" {
				t.Fatalf("out = %+v", out)
			}
		})
	}
}

// A v2 object with v2-only data must survive v2 -> v1 -> v2 unchanged.
func TestRoundTripV2(t *testing.T) {
	// Annotations carry times at second precision, as on the wire.
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	in := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Annotations: map[string]string{"keep": "me"}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](2),
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("100"))},
				}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"q": "jobs"}}},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr.To(resource.MustParse("30"))},
				}},
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70)},
				}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: scaleDownRules(), ScaleUp: scaleUpRules()},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: ptr.To[int64](3),
			CurrentReplicas:    4,
			DesiredReplicas:    5,
			LastScaleTime:      &now,
			CurrentMetrics: []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{
					AverageUtilization: ptr.To[int32](55), AverageValue: ptr.To(resource.MustParse("110m")),
				}},
			}},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{{
				Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale", LastTransitionTime: now,
			}},
		},
	}
	v1obj, err := FromStorage(in)
	if err != nil {
		t.Fatal(err)
	}
	v1 := v1obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if *v1.Spec.TargetCPUUtilizationPercentage != 70 || *v1.Status.CurrentCPUUtilizationPercentage != 55 {
		t.Fatalf("v1 cpu fields: %+v %+v", v1.Spec, v1.Status)
	}
	for _, k := range []string{MetricSpecsAnnotation, MetricStatusesAnnotation, BehaviorSpecsAnnotation, ConditionsAnnotation, "keep"} {
		if _, ok := v1.Annotations[k]; !ok {
			t.Errorf("v1 lacks annotation %s", k)
		}
	}
	if got := v1.Annotations[BehaviorSpecsAnnotation]; got[:10] != `{"ScaleUp"` {
		t.Errorf("behavior annotation uses upstream field names: %s", got)
	}

	back, err := ToStorage(v1)
	if err != nil {
		t.Fatal(err)
	}
	out := back.(*autoscalingv2.HorizontalPodAutoscaler)
	// The CPU metric comes back last, after the annotation metrics, as upstream.
	if !apiequality.Semantic.DeepEqual(out.Spec, in.Spec) {
		t.Errorf("spec changed:\n got %+v\nwant %+v", out.Spec, in.Spec)
	}
	if !apiequality.Semantic.DeepEqual(out.Status, in.Status) {
		t.Errorf("status changed:\n got %+v\nwant %+v", out.Status, in.Status)
	}
	if !apiequality.Semantic.DeepEqual(out.Annotations, map[string]string{"keep": "me"}) {
		t.Errorf("annotations = %v", out.Annotations)
	}
}

// A plain v1 object must survive v1 -> v2 -> v1 without gaining annotations.
func TestRoundTripV1(t *testing.T) {
	in := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:                    ptr.To[int32](1),
			MaxReplicas:                    4,
			TargetCPUUtilizationPercentage: ptr.To[int32](60),
		},
	}
	v2, err := ToStorage(in)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := FromStorage(v2)
	if err != nil {
		t.Fatal(err)
	}
	got := v1.(*autoscalingv1.HorizontalPodAutoscaler)
	if !apiequality.Semantic.DeepEqual(got.Spec, in.Spec) || got.Annotations != nil {
		t.Fatalf("got %+v annotations %v", got.Spec, got.Annotations)
	}
}
