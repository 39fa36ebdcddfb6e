package defaulttolerationseconds

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/admission"
)

func seconds(n int64) *int64 { return &n }

func TestAdmit(t *testing.T) {
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds(30)}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds(40)}
	tests := []struct {
		name     string
		op       admission.Operation
		resource string
		sub      string
		in       []corev1.Toleration
		want     []corev1.Toleration
	}{
		{name: "no tolerations", op: admission.Create, resource: "pods", want: []corev1.Toleration{notReady, unreachable}},
		{name: "update untouched", op: admission.Update, resource: "pods", want: nil},
		{name: "status subresource untouched", op: admission.Create, resource: "pods", sub: "status", want: nil},
		{name: "other resource untouched", op: admission.Create, resource: "configmaps", want: nil},
		{
			name: "own not-ready toleration kept", op: admission.Create, resource: "pods",
			in:   []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds(5)}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds(5)}, unreachable},
		},
		{
			name: "toleration of any effect counts", op: admission.Create, resource: "pods",
			in:   []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}, notReady},
		},
		{
			name: "NoSchedule toleration does not count", op: admission.Create, resource: "pods",
			in:   []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, notReady, unreachable},
		},
		{
			name: "tolerate everything", op: admission.Create, resource: "pods",
			in:   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			want: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tt.in}}
			attrs := &admission.Attributes{
				Operation:   tt.op,
				Resource:    schema.GroupVersionResource{Version: "v1", Resource: tt.resource},
				Subresource: tt.sub,
				Object:      pod,
			}
			if err := New(30, 40).Admit(context.Background(), attrs); err != nil {
				t.Fatal(err)
			}
			got := pod.Spec.Tolerations
			if len(got) != len(tt.want) {
				t.Fatalf("got %d tolerations %+v, want %+v", len(got), got, tt.want)
			}
			for i := range got {
				if !got[i].MatchToleration(&tt.want[i]) || !sameSeconds(got[i].TolerationSeconds, tt.want[i].TolerationSeconds) {
					t.Errorf("toleration %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func sameSeconds(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
