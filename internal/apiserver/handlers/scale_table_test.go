package handlers_test

import (
	"encoding/json"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubectl get deployment NAME --subresource=scale asks for a Table of the
// Scale: its own columns (Name, Desired, Available, Age), not the parent's.
func TestScaleTable(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	if _, err := ts.client.AppsV1().Deployments("ns1").Create(ctx, testDeployment("web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const path = "/apis/apps/v1/namespaces/ns1/deployments/web/scale"
	tests := []struct {
		name       string
		query      string
		accept     string
		wantCode   int
		wantKind   string // of the row object; "" for none
		wantHeader bool
	}{
		{name: "kubectl get", accept: kubectlTableAccept, wantCode: 200, wantKind: "PartialObjectMetadata", wantHeader: true},
		{name: "include object", query: "?includeObject=Object", accept: kubectlTableAccept, wantCode: 200, wantKind: "Scale", wantHeader: true},
		{name: "no row object", query: "?includeObject=None", accept: kubectlTableAccept, wantCode: 200, wantHeader: true},
		{name: "bad includeObject", query: "?includeObject=Bogus", accept: kubectlTableAccept, wantCode: 400},
		{name: "protobuf table", accept: "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io", wantCode: 406},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do("GET", path+tt.query, "", nil, "Accept", tt.accept)
			if resp.code != tt.wantCode {
				t.Fatalf("code %d, want %d: %s", resp.code, tt.wantCode, resp.body)
			}
			if tt.wantCode != 200 {
				return
			}
			var table metav1.Table
			if err := json.Unmarshal(resp.body, &table); err != nil || table.Kind != "Table" || len(table.Rows) != 1 {
				t.Fatalf("table: %v %s", err, resp.body)
			}
			if got := len(table.ColumnDefinitions) > 0; got != tt.wantHeader {
				t.Fatalf("headers present %v, want %v", got, tt.wantHeader)
			}
			if tt.wantHeader {
				var names []string
				for _, c := range table.ColumnDefinitions {
					names = append(names, c.Name)
				}
				if len(names) != 4 || names[0] != "Name" || names[1] != "Desired" || names[2] != "Available" || names[3] != "Age" {
					t.Fatalf("columns: %v", names)
				}
			}
			cells := table.Rows[0].Cells
			// JSON numbers decode as float64.
			if cells[0] != "web" || cells[1] != float64(1) || cells[2] != float64(0) {
				t.Fatalf("cells: %v", cells)
			}
			if tt.wantKind == "" {
				if len(table.Rows[0].Object.Raw) != 0 && string(table.Rows[0].Object.Raw) != "null" {
					t.Fatalf("row object: %s", table.Rows[0].Object.Raw)
				}
				return
			}
			var obj autoscalingv1.Scale
			if err := json.Unmarshal(table.Rows[0].Object.Raw, &obj); err != nil || obj.Kind != tt.wantKind || obj.Name != "web" {
				t.Fatalf("row object: %s", table.Rows[0].Object.Raw)
			}
		})
	}
}
