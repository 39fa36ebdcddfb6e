package event

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func legacyEvent() *corev1.Event {
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(time.Now().Add(-d)) }
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.17a", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web", FieldPath: "spec.containers{nginx}"},
		Reason:         "Pulled", Message: "Container image pulled\n", Type: corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "kubelet", Host: "n1"},
		FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(2 * time.Minute), Count: 3,
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		s      Strategy
		mutate func(*corev1.Event)
		want   string
	}{
		{"legacy ok", NewStrategy(), func(*corev1.Event) {}, ""},
		{"namespace mismatch", NewStrategy(), func(e *corev1.Event) { e.InvolvedObject.Namespace = "other" }, "involvedObject.namespace"},
		{"cluster object in default", NewStrategy(), func(e *corev1.Event) { e.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "n1"} }, ""},
		{"new style needs controller", NewStrategy(), func(e *corev1.Event) { e.EventTime = metav1.NowMicro() }, "reportingComponent"},
		{"events api needs eventTime", NewEventsAPIStrategy(), func(e *corev1.Event) {
			e.ReportingController, e.ReportingInstance, e.Action = "kubelet", "n1", "Pull"
		}, "eventTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := legacyEvent()
			tt.mutate(e)
			errs := tt.s.Validate(context.Background(), e)
			registrytest.AssertFirstFieldError(t, errs, tt.want)
		})
	}
}

func TestTableRowAndAttrs(t *testing.T) {
	s := NewStrategy()
	e := legacyEvent()
	row, err := s.TableRow(e)
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"2m", "Normal", "Pulled", "pod/web", "spec.containers{nginx}", "kubelet, n1", "Container image pulled", "10m", int64(3), "web.17a"}
	if len(row) != len(s.TableColumns()) {
		t.Fatalf("cells = %d, columns = %d", len(row), len(s.TableColumns()))
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %v, want %v", i, row[i], want[i])
		}
	}
	_, f, _ := s.Attrs(e)
	for k, v := range map[string]string{"involvedObject.kind": "Pod", "involvedObject.name": "web", "reason": "Pulled", "source": "kubelet", "type": "Normal"} {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
}
