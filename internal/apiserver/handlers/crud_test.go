package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/nauta/nauta/internal/apischeme"
)

// rawResponse is a response read in full.
type rawResponse struct {
	code   int
	header http.Header
	body   []byte
}

func (ts *testServer) do(method, path, contentType string, body []byte, headers ...string) rawResponse {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return rawResponse{code: resp.StatusCode, header: resp.Header, body: data}
}

func (r rawResponse) status(t *testing.T) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatalf("decode Status from %q: %v", r.body, err)
	}
	return st
}

func TestCreateGetUpdateConflict(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cms := ts.client.CoreV1().ConfigMaps("ns1")

	cm, err := cms.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cfg", UID: "client-uid", ResourceVersion: "42", Generation: 7},
		Data:       map[string]string{"a": "1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if cm.UID == "" || cm.UID == "client-uid" || cm.CreationTimestamp.IsZero() || cm.ResourceVersion == "" || cm.ResourceVersion == "42" {
		t.Fatalf("system fields not reset/filled: %+v", cm.ObjectMeta)
	}
	if cm.Generation != 0 || cm.Namespace != "ns1" {
		t.Fatalf("generation/namespace: %+v", cm.ObjectMeta)
	}

	got, err := cms.Get(ctx, "cfg", metav1.GetOptions{})
	if err != nil || got.Data["a"] != "1" || got.ResourceVersion != cm.ResourceVersion {
		t.Fatalf("get: %v %+v", err, got)
	}

	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) || err.Error() != `configmaps "cfg" already exists` {
		t.Fatalf("duplicate create: %v", err)
	}

	// Update with the current resourceVersion succeeds, keeping identity.
	got.Data["a"] = "2"
	updated, err := cms.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.UID != cm.UID || !updated.CreationTimestamp.Equal(&cm.CreationTimestamp) || updated.ResourceVersion == cm.ResourceVersion {
		t.Fatalf("update metadata: %+v", updated.ObjectMeta)
	}

	// A stale resourceVersion conflicts with upstream's message.
	got.Data["a"] = "3"
	_, err = cms.Update(ctx, got, metav1.UpdateOptions{})
	want := `Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again`
	if !apierrors.IsConflict(err) || err.Error() != want {
		t.Fatalf("stale update: %v", err)
	}

	// No resourceVersion: unconditional update wins.
	got.ResourceVersion = ""
	if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("unconditional update: %v", err)
	}

	_, err = cms.Get(ctx, "missing", metav1.GetOptions{})
	st, ok := err.(apierrors.APIStatus)
	if !apierrors.IsNotFound(err) || err.Error() != `configmaps "missing" not found` || !ok ||
		st.Status().Details.Name != "missing" || st.Status().Details.Kind != "configmaps" {
		t.Fatalf("not found: %v", err)
	}
	_, err = cms.Update(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "missing"}}, metav1.UpdateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("update of missing: %v", err)
	}
}

func TestCreateValidationAndNames(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cms := ts.client.CoreV1().ConfigMaps("ns1")

	_, err := cms.Create(ctx, &corev1.ConfigMap{}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "metadata.name: Required value: name or generateName is required") {
		t.Fatalf("missing name: %v", err)
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Bad_Name"}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.HasPrefix(err.Error(), `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"`) {
		t.Fatalf("bad name: %v", err)
	}

	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("generateName: %v", err)
		}
		suffix := strings.TrimPrefix(cm.Name, "gen-")
		if len(suffix) != 5 || strings.Trim(suffix, "bcdfghjklmnpqrstvwxz2456789") != "" || seen[cm.Name] {
			t.Fatalf("generated name %q", cm.Name)
		}
		seen[cm.Name] = true
	}

	// The namespace of the body must match the URL's.
	body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}`)
	resp := ts.do("POST", "/api/v1/namespaces/ns1/configmaps", "application/json", body)
	if resp.code != 400 || resp.status(t).Message != "the namespace of the provided object does not match the namespace sent on the request" {
		t.Fatalf("namespace mismatch: %d %s", resp.code, resp.body)
	}
	// The name of the body must match the URL's on update.
	body = []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)
	resp = ts.do("PUT", "/api/v1/namespaces/ns1/configmaps/y", "application/json", body)
	if resp.code != 400 || resp.status(t).Message != "the name of the object (x) does not match the name on the URL (y)" {
		t.Fatalf("name mismatch: %d %s", resp.code, resp.body)
	}
	// Wrong apiVersion in the body.
	body = []byte(`{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}`)
	resp = ts.do("POST", "/api/v1/namespaces/ns1/configmaps", "application/json", body)
	if resp.code != 400 || !strings.Contains(resp.status(t).Message, "apps/v1") {
		t.Fatalf("api version mismatch: %d %s", resp.code, resp.body)
	}
	// Unsupported body format.
	resp = ts.do("POST", "/api/v1/namespaces/ns1/configmaps", "text/plain", []byte("x"))
	if resp.code != 415 || resp.status(t).Reason != metav1.StatusReasonUnsupportedMediaType {
		t.Fatalf("unsupported media type: %d %s", resp.code, resp.body)
	}
	// Unknown resource.
	resp = ts.do("GET", "/api/v1/widgets", "", nil)
	if st := resp.status(t); resp.code != 404 || st.Message != "the server could not find the requested resource" || st.Reason != metav1.StatusReasonNotFound {
		t.Fatalf("unknown resource: %d %s", resp.code, resp.body)
	}
	// Namespaced resources need a namespace except for list and watch.
	resp = ts.do("GET", "/api/v1/configmaps/x", "", nil)
	if resp.code != 404 {
		t.Fatalf("get without namespace: %d %s", resp.code, resp.body)
	}
}

func TestDryRun(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")
	cms := ts.client.CoreV1().ConfigMaps("ns1")
	dry := []string{metav1.DryRunAll}

	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}}, metav1.CreateOptions{DryRun: dry})
	if err != nil || cm.UID == "" || cm.ResourceVersion != "" {
		t.Fatalf("dry-run create: %v %+v", err, cm)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run create persisted: %v", err)
	}

	real, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "real"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "real"}}, metav1.CreateOptions{DryRun: dry}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("dry-run create of existing: %v", err)
	}
	changed := real.DeepCopy()
	changed.Data["k"] = "dry"
	out, err := cms.Update(ctx, changed, metav1.UpdateOptions{DryRun: dry})
	if err != nil || out.Data["k"] != "dry" {
		t.Fatalf("dry-run update: %v %+v", err, out)
	}
	if err := cms.Delete(ctx, "real", metav1.DeleteOptions{DryRun: dry}); err != nil {
		t.Fatalf("dry-run delete: %v", err)
	}
	got, err := cms.Get(ctx, "real", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" || got.ResourceVersion != real.ResourceVersion {
		t.Fatalf("dry runs changed the object: %v %+v", err, got)
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{DryRun: []string{"Some"}})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("bad dryRun value: %v", err)
	}
}

func TestFieldValidation(t *testing.T) {
	ts := newTestServer(t)
	mustCreateNamespace(t, ts, "ns1")
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"foo":1,"containers":[{"name":"c","image":"nginx"}]}}`
	path := "/api/v1/namespaces/ns1/pods"

	resp := ts.do("POST", path+"?fieldValidation=Strict", "application/json", []byte(strings.ReplaceAll(pod, "%s", "strict")))
	st := resp.status(t)
	if resp.code != 400 || st.Reason != metav1.StatusReasonBadRequest ||
		st.Message != `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"` {
		t.Fatalf("strict: %d %s", resp.code, resp.body)
	}

	resp = ts.do("POST", path, "application/json", []byte(strings.ReplaceAll(pod, "%s", "warn")))
	if resp.code != 201 || resp.header.Get("Warning") != `299 - "unknown field \"spec.foo\""` {
		t.Fatalf("default warn: %d %v %s", resp.code, resp.header, resp.body)
	}

	resp = ts.do("POST", path+"?fieldValidation=Ignore", "application/json", []byte(strings.ReplaceAll(pod, "%s", "ignore")))
	if resp.code != 201 || resp.header.Get("Warning") != "" {
		t.Fatalf("ignore: %d %v", resp.code, resp.header)
	}

	yamlPod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml\nspec:\n  bar: true\n  containers:\n  - name: c\n    image: nginx\n"
	resp = ts.do("POST", path+"?fieldValidation=Strict", "application/yaml", []byte(yamlPod))
	if resp.code != 400 || !strings.Contains(resp.status(t).Message, `strict decoding error: unknown field "spec.bar"`) {
		t.Fatalf("strict yaml: %d %s", resp.code, resp.body)
	}

	resp = ts.do("POST", path+"?fieldValidation=Bogus", "application/json", []byte(strings.ReplaceAll(pod, "%s", "bogus")))
	if resp.code != 422 {
		t.Fatalf("bad fieldValidation: %d %s", resp.code, resp.body)
	}

	// Patches are checked on the patched result.
	resp = ts.do("PATCH", path+"/warn?fieldValidation=Strict", "application/merge-patch+json", []byte(`{"spec":{"baz":1}}`))
	if resp.code != 400 || !strings.Contains(resp.status(t).Message, `unknown field "spec.baz"`) {
		t.Fatalf("strict patch: %d %s", resp.code, resp.body)
	}
}

func TestContentNegotiation(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")

	// client-go speaking protobuf both ways.
	cfg := rest.CopyConfig(ts.config)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf
	pc := kubernetes.NewForConfigOrDie(cfg)
	if _, err := pc.CoreV1().ConfigMaps("ns1").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "pb"}, Data: map[string]string{"x": "y"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("protobuf create: %v", err)
	}
	got, err := pc.CoreV1().ConfigMaps("ns1").Get(ctx, "pb", metav1.GetOptions{})
	if err != nil || got.Data["x"] != "y" {
		t.Fatalf("protobuf get: %v %+v", err, got)
	}
	list, err := pc.CoreV1().ConfigMaps("ns1").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("protobuf list: %v %+v", err, list)
	}

	resp := ts.do("GET", "/api/v1/namespaces/ns1/configmaps/pb", "", nil, "Accept", "application/vnd.kubernetes.protobuf")
	if resp.code != 200 || resp.header.Get("Content-Type") != "application/vnd.kubernetes.protobuf" || !bytes.HasPrefix(resp.body, []byte("k8s\x00")) {
		t.Fatalf("protobuf response: %d %v", resp.code, resp.header)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps/pb", "", nil, "Accept", "application/yaml")
	if resp.code != 200 || resp.header.Get("Content-Type") != "application/yaml" || !strings.Contains(string(resp.body), "kind: ConfigMap") {
		t.Fatalf("yaml response: %d %v %s", resp.code, resp.header, resp.body)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps/pb?pretty=true", "", nil)
	if !strings.Contains(string(resp.body), "\n  \"kind\": \"ConfigMap\"") {
		t.Fatalf("pretty: %s", resp.body)
	}
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps/pb", "", nil, "Accept", "text/html")
	if resp.code != 406 || resp.status(t).Reason != metav1.StatusReasonNotAcceptable {
		t.Fatalf("not acceptable: %d %s", resp.code, resp.body)
	}
	// Every response object carries apiVersion and kind; list items do not.
	resp = ts.do("GET", "/api/v1/namespaces/ns1/configmaps", "", nil)
	var raw map[string]interface{}
	if err := json.Unmarshal(resp.body, &raw); err != nil {
		t.Fatal(err)
	}
	item := raw["items"].([]interface{})[0].(map[string]interface{})
	if raw["kind"] != "ConfigMapList" || raw["apiVersion"] != "v1" || item["kind"] != nil {
		t.Fatalf("list typing: %s", resp.body)
	}
	// Empty lists have an empty items array, not null.
	resp = ts.do("GET", "/api/v1/namespaces/empty/configmaps", "", nil)
	if !strings.Contains(string(resp.body), `"items":[]`) {
		t.Fatalf("empty list: %s", resp.body)
	}
}

func TestMultiVersionEvents(t *testing.T) {
	ts := newTestServer(t)
	ctx := ctxT(t)
	mustCreateNamespace(t, ts, "ns1")

	ev, err := ts.client.EventsV1().Events("ns1").Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "e1"},
		Reason:     "Started", Note: "hello", Type: "Normal",
		Regarding: corev1.ObjectReference{Kind: "Pod", Name: "p"},
	}, metav1.CreateOptions{})
	if err != nil || ev.Note != "hello" {
		t.Fatalf("create events.k8s.io event: %v %+v", err, ev)
	}
	core, err := ts.client.CoreV1().Events("ns1").Get(ctx, "e1", metav1.GetOptions{})
	if err != nil || core.Message != "hello" || core.InvolvedObject.Name != "p" {
		t.Fatalf("read as core/v1: %v %+v", err, core)
	}
	resp := ts.do("GET", "/apis/events.k8s.io/v1/namespaces/ns1/events", "", nil)
	if !strings.Contains(string(resp.body), `"kind":"EventList","apiVersion":"events.k8s.io/v1"`) || !strings.Contains(string(resp.body), `"note":"hello"`) {
		t.Fatalf("events.k8s.io list: %s", resp.body)
	}
	core.Message = "changed"
	if _, err := ts.client.CoreV1().Events("ns1").Update(ctx, core, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev, err = ts.client.EventsV1().Events("ns1").Get(ctx, "e1", metav1.GetOptions{})
	if err != nil || ev.Note != "changed" {
		t.Fatalf("read back as events.k8s.io: %v %+v", err, ev)
	}
	var obj map[string]interface{}
	resp = ts.do("GET", "/apis/events.k8s.io/v1/namespaces/ns1/events/e1", "", nil)
	_ = json.Unmarshal(resp.body, &obj)
	if obj["apiVersion"] != "events.k8s.io/v1" || obj["kind"] != "Event" {
		t.Fatalf("served version: %s", resp.body)
	}
	_ = apischeme.Scheme
}
