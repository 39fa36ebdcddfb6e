package integration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/server"
)

// The server's admission chain adds the not-ready and unreachable NoExecute
// tolerations, with the configured seconds, to pods that have none.
func TestDefaultTolerationSeconds(t *testing.T) {
	client := newClient(t, func(c *server.Config) {
		c.DefaultNotReadyTolerationSeconds = 120
	})
	createNamespace(t, client, "tolerations")
	ctx := context.Background()

	tests := []struct {
		name string
		own  []corev1.Toleration
		want map[string]int64 // key → tolerationSeconds
	}{
		{
			name: "none given",
			want: map[string]int64{"node.kubernetes.io/not-ready": 120, "node.kubernetes.io/unreachable": 300},
		},
		{
			name: "own unreachable toleration kept",
			own: []corev1.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](5)}},
			want: map[string]int64{"node.kubernetes.io/not-ready": 120, "node.kubernetes.io/unreachable": 5},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "p" + string(rune('a'+i))},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "c", Image: "busybox"}},
					Tolerations: tt.own,
				},
			}
			got, err := client.CoreV1().Pods("tolerations").Create(ctx, pod, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			seconds := map[string]int64{}
			for _, tol := range got.Spec.Tolerations {
				if tol.Effect == corev1.TaintEffectNoExecute && tol.TolerationSeconds != nil {
					seconds[tol.Key] = *tol.TolerationSeconds
				}
			}
			for key, want := range tt.want {
				if seconds[key] != want {
					t.Errorf("toleration %s seconds = %d, want %d (all: %v)", key, seconds[key], want, got.Spec.Tolerations)
				}
			}
		})
	}
}
