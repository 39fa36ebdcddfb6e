package handlers_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// exec, attach and portforward fail before any upgrade with upstream's
// messages while no node agent serves them.
func TestPodConnect(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	pods := ts.client.CoreV1().Pods("ns1")
	pending := testPod("pending")
	scheduled := testPod("scheduled")
	scheduled.Spec.NodeName = "node-a"
	for _, p := range []*corev1.Pod{pending, scheduled} {
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		method   string
		path     string
		wantCode int
		wantBody string
	}{
		{name: "exec unscheduled", method: "POST", path: "pods/pending/exec?command=ls&stdout=true", wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "exec GET unscheduled", method: "GET", path: "pods/pending/exec?command=ls", wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "attach unscheduled", method: "POST", path: "pods/pending/attach?container=c", wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "portforward unscheduled", method: "POST", path: "pods/pending/portforward?ports=80", wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "exec unknown container", method: "POST", path: "pods/pending/exec?container=nope&command=ls", wantCode: 400, wantBody: "container nope is not valid for pod pending"},
		{name: "exec missing pod", method: "POST", path: "pods/nope/exec?command=ls", wantCode: 404, wantBody: `pods \"nope\" not found`},
		{name: "exec scheduled", method: "POST", path: "pods/scheduled/exec?command=ls", wantCode: 503},
		{name: "exec PUT", method: "PUT", path: "pods/pending/exec", wantCode: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do(tt.method, "/api/v1/namespaces/ns1/"+tt.path, "", nil)
			if resp.code != tt.wantCode || !strings.Contains(string(resp.body), tt.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", resp.code, resp.body, tt.wantCode, tt.wantBody)
			}
		})
	}
}
