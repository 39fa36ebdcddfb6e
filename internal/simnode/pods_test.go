package simnode

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

func TestRunningStatus(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	earlier := metav1.NewTime(now.Add(-time.Hour))
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name          string
		pod           v1.Pod
		wantInitState []string // "running" or "terminated" per init container
		wantStart     metav1.Time
		wantNotReady  bool
	}{
		{
			name: "plain pod",
			pod:  v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{{Name: "a", Image: "img"}}}},
		},
		{
			name: "init container completes, sidecar keeps running",
			pod: v1.Pod{Spec: v1.PodSpec{
				InitContainers: []v1.Container{{Name: "init"}, {Name: "sidecar", RestartPolicy: &always}},
				Containers:     []v1.Container{{Name: "a"}},
			}},
			wantInitState: []string{"terminated", "running"},
		},
		{
			name: "restartPolicy Never still runs",
			pod:  v1.Pod{Spec: v1.PodSpec{RestartPolicy: v1.RestartPolicyNever, Containers: []v1.Container{{Name: "a"}}}},
		},
		{
			name: "readiness gate not passed: not Ready, gate condition kept",
			pod: v1.Pod{
				Spec: v1.PodSpec{
					Containers:     []v1.Container{{Name: "a"}},
					ReadinessGates: []v1.PodReadinessGate{{ConditionType: "example.com/gate"}},
				},
				Status: v1.PodStatus{Conditions: []v1.PodCondition{{Type: "example.com/gate", Status: v1.ConditionFalse}}},
			},
			wantNotReady: true,
		},
		{
			name: "start time kept",
			pod: v1.Pod{
				Spec:   v1.PodSpec{Containers: []v1.Container{{Name: "a"}}},
				Status: v1.PodStatus{StartTime: &earlier},
			},
			wantStart: earlier,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.pod.UID = "uid"
			st := runningStatus(&tt.pod, "10.244.0.7", "172.16.0.1", now)
			if st.Phase != v1.PodRunning || st.PodIP != "10.244.0.7" || st.HostIP != "172.16.0.1" ||
				len(st.PodIPs) != 1 || len(st.HostIPs) != 1 {
				t.Errorf("status %+v", st)
			}
			want := tt.wantStart
			if want.IsZero() {
				want = now
			}
			if !st.StartTime.Equal(&want) {
				t.Errorf("startTime %v, want %v", st.StartTime, want)
			}
			wantReady := v1.ConditionTrue
			if tt.wantNotReady {
				wantReady = v1.ConditionFalse
			}
			conds := map[v1.PodConditionType]v1.ConditionStatus{}
			for _, c := range st.Conditions {
				conds[c.Type] = c.Status
			}
			if conds[v1.PodReady] != wantReady || conds[v1.ContainersReady] != v1.ConditionTrue {
				t.Errorf("conditions %v", conds)
			}
			for _, c := range tt.pod.Status.Conditions {
				if conds[c.Type] != c.Status {
					t.Errorf("condition %s lost", c.Type)
				}
			}
			pod := tt.pod
			pod.Status = st
			if !running(&pod) {
				t.Error("running() is false for the status it produced")
			}
			for i, cs := range st.ContainerStatuses {
				if !cs.Ready || cs.State.Running == nil || cs.ContainerID == "" || cs.ImageID == "" ||
					cs.Name != tt.pod.Spec.Containers[i].Name {
					t.Errorf("container status %+v", cs)
				}
			}
			if len(st.InitContainerStatuses) != len(tt.wantInitState) {
				t.Fatalf("init statuses %d", len(st.InitContainerStatuses))
			}
			for i, want := range tt.wantInitState {
				s := st.InitContainerStatuses[i].State
				got := "running"
				if s.Terminated != nil {
					got = "terminated"
					if s.Terminated.Reason != "Completed" || s.Terminated.ExitCode != 0 {
						t.Errorf("terminated %+v", s.Terminated)
					}
				}
				if got != want {
					t.Errorf("init container %d is %s, want %s", i, got, want)
				}
			}
		})
	}
}

func TestNodeObject(t *testing.T) {
	cfg, err := Config{RESTConfig: &rest.Config{}, Nodes: 5, Zones: 3}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	nodes := newSimNodes(cfg)
	n := newNode(cfg, nodes[4], metav1.Now())
	if n.Name != "sim-node-4" || n.Labels[v1.LabelTopologyZone] != "zone-1" || n.Labels[LabelType] != LabelTypeValue {
		t.Errorf("node %s labels %v", n.Name, n.Labels)
	}
	if n.Status.Capacity.Memory().String() != "256Gi" || n.Status.NodeInfo.KubeletVersion != "v1.37.2" {
		t.Errorf("node status %+v", n.Status)
	}
	if nodes[4].hostIP != "172.16.0.5" || hostIP(300) != "172.16.1.45" {
		t.Errorf("host IPs %s %s", nodes[4].hostIP, hostIP(300))
	}
}
