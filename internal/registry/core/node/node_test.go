package node

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func TestTableRow(t *testing.T) {
	tests := []struct {
		name   string
		node   corev1.Node
		status string
		roles  string
	}{
		{"ready", corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}, "Ready", "<none>"},
		{"cordoned", corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""}},
			Spec:       corev1.NodeSpec{Unschedulable: true},
			Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}},
		}, "NotReady,SchedulingDisabled", "control-plane,worker"},
		{"unknown", corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"kubernetes.io/role": "edge"}}}, "Unknown", "edge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.node.Name = "n1"
			tt.node.Status.NodeInfo.KubeletVersion = "v1.37.2"
			tt.node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}}
			row, err := NewStrategy().TableRow(&tt.node)
			if err != nil {
				t.Fatal(err)
			}
			if len(row) != len(NewStrategy().TableColumns()) {
				t.Fatalf("cells = %d", len(row))
			}
			if row[1] != tt.status || row[2] != tt.roles || row[4] != "v1.37.2" || row[5] != "192.168.1.10" || row[6] != "<none>" || row[7] != "<unknown>" {
				t.Errorf("row = %v", row)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		taints []corev1.Taint
		cidrs  []string
		want   string
	}{
		{"ok", []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}, []string{"10.244.0.0/24"}, ""},
		{"bad effect", []corev1.Taint{{Key: "k", Effect: "Sometimes"}}, nil, "metadata.taints[0].effect"},
		{"no effect", []corev1.Taint{{Key: "k"}}, nil, "metadata.taints[0].effect"},
		{"duplicate", []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}, {Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}}, nil, "metadata.taints[1]"},
		{"bad cidr", nil, []string{"10.0.0.0/33"}, "spec.podCIDRs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{Taints: tt.taints, PodCIDRs: tt.cidrs}}
			NewStrategy().Default(n)
			errs := NewStrategy().Validate(context.Background(), n)
			registrytest.AssertFirstFieldError(t, errs, tt.want)
		})
	}
}

func TestDefaultsAndUpdate(t *testing.T) {
	s := NewStrategy()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: "1"}, Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24"},
		Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}}}
	s.Default(n)
	s.PrepareForCreate(context.Background(), n)
	if len(n.Spec.PodCIDRs) != 1 || n.Status.Allocatable.Cpu().String() != "4" {
		t.Errorf("node = %+v", n)
	}
	upd := n.DeepCopy()
	upd.Spec.PodCIDRs = []string{"10.244.2.0/24"}
	upd.Spec.PodCIDR = "10.244.2.0/24"
	if errs := s.ValidateUpdate(context.Background(), upd, n); len(errs) != 1 || errs[0].Field != "spec.podCIDRs" {
		t.Errorf("errors = %v", errs)
	}
	_, f, _ := s.Attrs(n)
	if f["spec.unschedulable"] != "false" {
		t.Errorf("fields = %v", f)
	}
}
