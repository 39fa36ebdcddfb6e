package handlers_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
)

// kubectlTableAccept is what kubectl get sends.
const kubectlTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

func TestTables(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	for _, n := range []string{"a", "b"} {
		pod := testPod(n)
		pod.Spec.NodeName = "node-" + n
		if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	resp := ts.do("GET", "/api/v1/namespaces/ns1/pods?limit=1", "", nil, "Accept", kubectlTableAccept)
	var table metav1.Table
	if err := json.Unmarshal(resp.body, &table); err != nil || resp.code != 200 {
		t.Fatalf("table list: %d %s", resp.code, resp.body)
	}
	if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" || len(table.ColumnDefinitions) != 3 ||
		table.ColumnDefinitions[2].Priority != 1 || len(table.Rows) != 1 || table.ResourceVersion == "" || table.Continue == "" {
		t.Fatalf("table: %s", resp.body)
	}
	if table.Rows[0].Cells[0] != "a" || table.Rows[0].Cells[2] != "node-a" {
		t.Fatalf("cells: %v", table.Rows[0].Cells)
	}
	var partial metav1.PartialObjectMetadata
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &partial); err != nil || partial.Kind != "PartialObjectMetadata" || partial.Name != "a" {
		t.Fatalf("row object: %s", table.Rows[0].Object.Raw)
	}

	resp = ts.do("GET", "/api/v1/namespaces/ns1/pods/b?includeObject=Object", "", nil, "Accept", kubectlTableAccept)
	table = metav1.Table{}
	if err := json.Unmarshal(resp.body, &table); err != nil || len(table.Rows) != 1 {
		t.Fatalf("table get: %d %s", resp.code, resp.body)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &pod); err != nil || pod.Kind != "Pod" || pod.Spec.NodeName != "node-b" {
		t.Fatalf("full row object: %s", table.Rows[0].Object.Raw)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/pods/b?includeObject=None", "", nil, "Accept", "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
	if !strings.Contains(string(resp.body), `"apiVersion":"meta.k8s.io/v1beta1"`) || !strings.Contains(string(resp.body), `"object":null`) {
		t.Fatalf("v1beta1 table without objects: %s", resp.body)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/pods/b?includeObject=Bogus", "", nil, "Accept", kubectlTableAccept)
	if resp.code != 400 {
		t.Fatalf("bad includeObject: %d %s", resp.code, resp.body)
	}
	// Tables are JSON/YAML only: a protobuf-only table request is 406.
	resp = ts.do("GET", "/api/v1/namespaces/ns1/pods/b", "", nil, "Accept", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io")
	if resp.code != 406 {
		t.Fatalf("protobuf table: %d %s", resp.code, resp.body)
	}
	// Errors are still Status objects.
	resp = ts.do("GET", "/api/v1/namespaces/ns1/pods/missing", "", nil, "Accept", kubectlTableAccept)
	if resp.code != 404 || resp.status(t).Kind != "Status" {
		t.Fatalf("table 404: %d %s", resp.code, resp.body)
	}
}

func TestTableWatch(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.srv.URL+"/api/v1/namespaces/ns1/pods?watch=true", nil)
	req.Header.Set("Accept", kubectlTableAccept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("watch: %d %v", resp.StatusCode, resp.Header)
	}
	for _, n := range []string{"a", "b"} {
		if _, err := ts.client.CoreV1().Pods("ns1").Create(ctx, testPod(n), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sc := bufio.NewScanner(resp.Body)
	for i, name := range []string{"a", "b"} {
		if !sc.Scan() {
			t.Fatalf("watch ended: %v", sc.Err())
		}
		var ev struct {
			Type   string
			Object metav1.Table
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		if ev.Type != "ADDED" || ev.Object.Kind != "Table" || len(ev.Object.Rows) != 1 || ev.Object.Rows[0].Cells[0] != name {
			t.Fatalf("event %d: %s", i, sc.Text())
		}
		if (i == 0) != (len(ev.Object.ColumnDefinitions) > 0) {
			t.Fatalf("column definitions only with the first event: %s", sc.Text())
		}
	}
}

func TestPartialObjectMetadata(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	if _, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "m", Labels: map[string]string{"k": "v"}}, Data: map[string]string{"secret": "x"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mc := metadata.NewForConfigOrDie(ts.config).Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"})
	got, err := mc.Namespace("ns1").Get(ctx, "m", metav1.GetOptions{})
	if err != nil || got.Name != "m" || got.Labels["k"] != "v" {
		t.Fatalf("metadata get: %v %+v", err, got)
	}
	list, err := mc.Namespace("ns1").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.ResourceVersion == "" {
		t.Fatalf("metadata list: %v %+v", err, list)
	}
	w, err := mc.Namespace("ns1").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := ts.client.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "n"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		p, ok := ev.Object.(*metav1.PartialObjectMetadata)
		if !ok || p.Name != "n" {
			t.Fatalf("metadata watch event: %#v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no metadata watch event")
	}
	// The raw form has no data.
	resp := ts.do("GET", "/api/v1/namespaces/ns1/configmaps/m", "", nil, "Accept", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
	if strings.Contains(string(resp.body), "secret") || !strings.Contains(string(resp.body), `"kind":"PartialObjectMetadata"`) {
		t.Fatalf("partial object: %s", resp.body)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps", "", nil, "Accept", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
	if resp.code != 406 {
		t.Fatalf("PartialObjectMetadata of a list: %d %s", resp.code, resp.body)
	}
}
