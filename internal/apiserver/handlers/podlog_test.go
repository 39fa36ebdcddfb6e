package handlers_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pods/log answers what needs no node agent as upstream does.
func TestPodLog(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	single := testPod("single")
	two := testPod("two")
	two.Spec.Containers = append(two.Spec.Containers, corev1.Container{Name: "side", Image: "busybox"})
	scheduled := testPod("scheduled")
	scheduled.Spec.NodeName = "node-a"
	for _, p := range []*corev1.Pod{single, two, scheduled} {
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first := single.Spec.Containers[0].Name
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantBody string
	}{
		{name: "unscheduled pod has an empty log", path: "pods/single/log", wantCode: 200},
		{name: "named container", path: "pods/single/log?container=" + first + "&tailLines=10", wantCode: 200},
		{name: "unknown container", path: "pods/single/log?container=nope", wantCode: 400, wantBody: "container nope is not valid for pod single"},
		{name: "ambiguous container", path: "pods/two/log", wantCode: 400, wantBody: "a container name must be specified for pod two, choose one of: [" + first + " side]"},
		{name: "bad option", path: "pods/single/log?tailLines=x", wantCode: 400},
		{name: "missing pod", path: "pods/nope/log", wantCode: 404, wantBody: `pods \"nope\" not found`},
		{name: "scheduled pod needs a node agent", path: "pods/scheduled/log", wantCode: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do("GET", "/api/v1/namespaces/ns1/"+tt.path, "", nil)
			if resp.code != tt.wantCode || !strings.Contains(string(resp.body), tt.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", resp.code, resp.body, tt.wantCode, tt.wantBody)
			}
			if tt.wantCode == 200 && len(resp.body) != 0 {
				t.Fatalf("log body: %q", resp.body)
			}
		})
	}
	if resp := ts.do("POST", "/api/v1/namespaces/ns1/pods/single/log", "application/json", []byte(`{}`)); resp.code != 405 {
		t.Fatalf("POST log: %d %s", resp.code, resp.body)
	}
}
