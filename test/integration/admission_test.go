package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// The server creates the system PriorityClasses and its Priority admission
// resolves priorityClassName into spec.priority, rejecting unknown classes.
func TestPriorityAdmission(t *testing.T) {
	client := newClient(t, nil)
	createNamespace(t, client, "prio")
	ctx := context.Background()

	waitFor(t, 10*time.Second, func() error {
		_, err := client.SchedulingV1().PriorityClasses().Get(ctx, "system-node-critical", metav1.GetOptions{})
		return err
	})
	if _, err := client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, class string
		want        int32
		forbidden   bool
	}{
		{name: "no class", want: 0},
		{name: "own class", class: "high", want: 1000},
		{name: "system class", class: "system-cluster-critical", want: 2000000000},
		{name: "unknown class", class: "nope", forbidden: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i)},
				Spec: corev1.PodSpec{
					Containers:        []corev1.Container{{Name: "c", Image: "busybox"}},
					PriorityClassName: tt.class,
				},
			}
			got, err := client.CoreV1().Pods("prio").Create(ctx, pod, metav1.CreateOptions{})
			if tt.forbidden {
				if !apierrors.IsForbidden(err) {
					t.Fatalf("err = %v, want Forbidden", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec.Priority == nil || *got.Spec.Priority != tt.want {
				t.Errorf("priority = %v, want %d", got.Spec.Priority, tt.want)
			}
		})
	}
}
