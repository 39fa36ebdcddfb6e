package openapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/util/proto"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/registry"
)

func v2Doc(t *testing.T, s *Spec) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(s.V2JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// at follows a path of keys and indexes through decoded JSON.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDefinitions(t *testing.T) {
	doc := v2Doc(t, newTestSpec(t))
	defs := doc["definitions"]
	gvk := func(group, version, kind string) []any {
		return []any{map[string]any{"group": group, "version": version, "kind": kind}}
	}
	tests := []struct {
		name string
		path []any
		want any
	}{
		{"pod kind", []any{"io.k8s.api.core.v1.Pod", "x-kubernetes-group-version-kind"}, gvk("", "v1", "Pod")},
		{"pod list kind", []any{"io.k8s.api.core.v1.PodList", "x-kubernetes-group-version-kind"}, gvk("", "v1", "PodList")},
		{"deployment kind", []any{"io.k8s.api.apps.v1.Deployment", "x-kubernetes-group-version-kind"}, gvk("apps", "v1", "Deployment")},
		{"served hpa v1 type", []any{"io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler", "x-kubernetes-group-version-kind"},
			gvk("autoscaling", "v1", "HorizontalPodAutoscaler")},
		{"hpa v2", []any{"io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler", "x-kubernetes-group-version-kind"},
			gvk("autoscaling", "v2", "HorizontalPodAutoscaler")},
		{"scale", []any{"io.k8s.api.autoscaling.v1.Scale", "x-kubernetes-group-version-kind"}, gvk("autoscaling", "v1", "Scale")},
		{"status", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", "x-kubernetes-group-version-kind"}, gvk("", "v1", "Status")},
		{"no kind on parts", []any{"io.k8s.api.core.v1.PodSpec", "x-kubernetes-group-version-kind"}, nil},
		{"pod doc", []any{"io.k8s.api.core.v1.Pod", "description"}, corev1.Pod{}.SwaggerDoc()[""]},
		{"inlined TypeMeta", []any{"io.k8s.api.core.v1.Pod", "properties", "kind", "type"}, "string"},
		{"metadata ref", []any{"io.k8s.api.core.v1.Pod", "properties", "metadata", "$ref"},
			"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
		{"metadata doc", []any{"io.k8s.api.core.v1.Pod", "properties", "metadata", "description"}, corev1.Pod{}.SwaggerDoc()["metadata"]},
		{"time", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
			map[string]any{"type": "string", "format": "date-time", "description": typeDescriptions["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]}},
		{"time ref", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "properties", "creationTimestamp", "$ref"},
			"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
		{"quantity", []any{"io.k8s.apimachinery.pkg.api.resource.Quantity", "type"}, "string"},
		{"int-or-string", []any{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "format"}, "int-or-string"},
		{"raw extension", []any{"io.k8s.apimachinery.pkg.runtime.RawExtension", "type"}, "object"},
		{"fieldsV1", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "type"}, "object"},
		{"bytes map", []any{"io.k8s.api.core.v1.ConfigMap", "properties", "binaryData", "additionalProperties"},
			map[string]any{"type": "string", "format": "byte"}},
		{"int32", []any{"io.k8s.api.apps.v1.DeploymentSpec", "properties", "replicas", "format"}, "int32"},
		{"int64", []any{"io.k8s.api.core.v1.PodSpec", "properties", "activeDeadlineSeconds", "format"}, "int64"},
		{"patch strategy", []any{"io.k8s.api.core.v1.PodSpec", "properties", "containers", "x-kubernetes-patch-strategy"}, "merge"},
		{"patch merge key", []any{"io.k8s.api.core.v1.PodSpec", "properties", "containers", "x-kubernetes-patch-merge-key"}, "name"},
		{"list type", []any{"io.k8s.api.core.v1.PodSpec", "properties", "containers", "x-kubernetes-list-type"}, "map"},
		{"list map keys", []any{"io.k8s.api.core.v1.Container", "properties", "ports", "x-kubernetes-list-map-keys"},
			[]any{"containerPort", "protocol"}},
		{"key default", []any{"io.k8s.api.core.v1.ContainerPort", "properties", "protocol", "default"}, "TCP"},
		{"set", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "properties", "finalizers", "x-kubernetes-list-type"}, "set"},
		{"atomic struct", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "x-kubernetes-map-type"}, "atomic"},
		{"atomic map", []any{"io.k8s.api.core.v1.PodSpec", "properties", "nodeSelector", "x-kubernetes-map-type"}, "atomic"},
		{"required containers", []any{"io.k8s.api.core.v1.PodSpec", "required"}, []any{"containers"}},
		{"required name", []any{"io.k8s.api.core.v1.Container", "required"}, []any{"name"}},
		{"required pointer", []any{"io.k8s.api.apps.v1.DeploymentSpec", "required"}, []any{"selector", "template"}},
		{"nothing required", []any{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "required"}, nil},
		{"list items", []any{"io.k8s.api.core.v1.PodList", "required"}, []any{"items"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := at(defs, tc.path...)
			if !jsonEqual(got, tc.want) {
				t.Errorf("%v = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}

	t.Run("delete options kinds", func(t *testing.T) {
		var got []string
		for _, g := range at(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "x-kubernetes-group-version-kind").([]any) {
			m := g.(map[string]any)
			got = append(got, m["group"].(string)+"/"+m["version"].(string))
		}
		want := []string{"/v1", "apps/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("DeleteOptions kinds %v, want %v", got, want)
		}
	})
}

// TestV3Schemas checks the v3 dialect: allOf-wrapped refs and oneOf types.
func TestV3Schemas(t *testing.T) {
	s := newTestSpec(t)
	var doc map[string]any
	if err := json.Unmarshal(s.v3["apis/apps/v1"].jsonBytes(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := at(doc, "components", "schemas")
	tests := []struct {
		name string
		path []any
		want any
	}{
		{"wrapped ref", []any{"io.k8s.api.apps.v1.DeploymentSpec", "properties", "strategy", "allOf"},
			[]any{map[string]any{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}}},
		{"int-or-string", []any{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "oneOf"},
			[]any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
		{"quantity", []any{"io.k8s.apimachinery.pkg.api.resource.Quantity", "oneOf"},
			[]any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}},
		{"no other group's kinds", []any{"io.k8s.api.batch.v1.CronJob"}, nil},
		{"scale included", []any{"io.k8s.api.autoscaling.v1.Scale", "type"}, "object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := at(schemas, tc.path...); !jsonEqual(got, tc.want) {
				t.Errorf("%v = %#v, want %#v", tc.path, got, tc.want)
			}
		})
	}
}

// TestRefsResolve checks every $ref of every document names a schema of
// the same document.
func TestRefsResolve(t *testing.T) {
	s := newTestSpec(t)
	docs := map[string][]byte{"v2": s.V2JSON()}
	for key, d := range s.v3 {
		docs["v3 "+key] = d.jsonBytes()
	}
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			prefix, defs := "#/definitions/", at(doc, "definitions")
			if strings.HasPrefix(name, "v3") {
				prefix, defs = "#/components/schemas/", at(doc, "components", "schemas")
			}
			var walk func(v any)
			walk = func(v any) {
				switch x := v.(type) {
				case map[string]any:
					if ref, ok := x["$ref"].(string); ok {
						target := at(defs, strings.TrimPrefix(ref, prefix))
						if name == "v2" && strings.HasPrefix(ref, "#/parameters/") {
							target = at(doc, "parameters", strings.TrimPrefix(ref, "#/parameters/"))
						} else if !strings.HasPrefix(ref, prefix) {
							target = nil
						}
						if target == nil {
							t.Errorf("dangling $ref %q", ref)
						}
					}
					for _, e := range x {
						walk(e)
					}
				case []any:
					for _, e := range x {
						walk(e)
					}
				}
			}
			walk(doc)
		})
	}
}

func TestOperations(t *testing.T) {
	doc := v2Doc(t, newTestSpec(t))
	type op struct{ path, method, action string }
	ops := map[string]op{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			m := o.(map[string]any)
			id := m["operationId"].(string)
			if _, dup := ops[id]; dup {
				t.Errorf("operationId %s used twice", id)
			}
			action, _ := m["x-kubernetes-action"].(string)
			ops[id] = op{path, method, action}

			if method != "patch" {
				continue
			}
			var names []string
			for _, p := range m["parameters"].([]any) {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm, _ = at(doc, "parameters", strings.TrimPrefix(ref, "#/parameters/")).(map[string]any)
				}
				name, _ := pm["name"].(string)
				names = append(names, name)
			}
			if !strings.Contains(strings.Join(names, ","), "fieldValidation") {
				t.Errorf("%s: no fieldValidation parameter in %v", id, names)
			}
			if !jsonEqual(m["consumes"], patchMediaTypes) {
				t.Errorf("%s consumes %v", id, m["consumes"])
			}
		}
	}

	want := map[string]op{
		"listCoreV1NamespacedPod":             {"/api/v1/namespaces/{namespace}/pods", "get", "list"},
		"createCoreV1NamespacedPod":           {"/api/v1/namespaces/{namespace}/pods", "post", "post"},
		"deleteCoreV1CollectionNamespacedPod": {"/api/v1/namespaces/{namespace}/pods", "delete", "deletecollection"},
		"readCoreV1NamespacedPod":             {"/api/v1/namespaces/{namespace}/pods/{name}", "get", "get"},
		"replaceCoreV1NamespacedPod":          {"/api/v1/namespaces/{namespace}/pods/{name}", "put", "put"},
		"patchCoreV1NamespacedPod":            {"/api/v1/namespaces/{namespace}/pods/{name}", "patch", "patch"},
		"deleteCoreV1NamespacedPod":           {"/api/v1/namespaces/{namespace}/pods/{name}", "delete", "delete"},
		"listCoreV1PodForAllNamespaces":       {"/api/v1/pods", "get", "list"},
		// bindings are served without a registry entry when pods are.
		"createCoreV1NamespacedBinding":        {"/api/v1/namespaces/{namespace}/bindings", "post", "post"},
		"readCoreV1NamespacedPodStatus":        {"/api/v1/namespaces/{namespace}/pods/{name}/status", "get", "get"},
		"patchCoreV1NamespacedPodStatus":       {"/api/v1/namespaces/{namespace}/pods/{name}/status", "patch", "patch"},
		"watchCoreV1NamespacedPodList":         {"/api/v1/watch/namespaces/{namespace}/pods", "get", "watchlist"},
		"watchCoreV1NamespacedPod":             {"/api/v1/watch/namespaces/{namespace}/pods/{name}", "get", "watch"},
		"watchCoreV1PodListForAllNamespaces":   {"/api/v1/watch/pods", "get", "watchlist"},
		"listCoreV1Node":                       {"/api/v1/nodes", "get", "list"},
		"replaceCoreV1NodeStatus":              {"/api/v1/nodes/{name}/status", "put", "put"},
		"watchCoreV1Node":                      {"/api/v1/watch/nodes/{name}", "get", "watch"},
		"patchAppsV1NamespacedDeploymentScale": {"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch", "patch"},
		"listBatchV1CronJobForAllNamespaces":   {"/apis/batch/v1/cronjobs", "get", "list"},
		"patchAutoscalingV2NamespacedHorizontalPodAutoscaler": {
			"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}", "patch", "patch"},
		"getCoreAPIVersions":           {"/api/", "get", ""},
		"getCoreV1APIResources":        {"/api/v1/", "get", ""},
		"getAPIVersions":               {"/apis/", "get", ""},
		"getAppsAPIGroup":              {"/apis/apps/", "get", ""},
		"getAutoscalingV2APIResources": {"/apis/autoscaling/v2/", "get", ""},
		"getCodeVersion":               {"/version/", "get", ""},
	}
	for id, w := range want {
		if got, ok := ops[id]; !ok || got != w {
			t.Errorf("%s = %+v (present %v), want %+v", id, got, ok, w)
		}
	}
	// Services do not list deletecollection among their verbs.
	if _, ok := ops["deleteCoreV1CollectionNamespacedService"]; ok {
		t.Error("services got a deletecollection operation")
	}
	if _, ok := ops["listCoreV1NodeForAllNamespaces"]; ok {
		t.Error("cluster-scoped nodes got an all-namespaces list")
	}
}

// TestClientModels parses the v2 document the way kubectl's v2 code paths
// (explain fallback, validation) and server-side apply's type converter do.
func TestClientModels(t *testing.T) {
	s := newTestSpec(t)
	gdoc, err := openapiv2.ParseDocument(s.V2JSON())
	if err != nil {
		t.Fatal(err)
	}
	models, err := proto.NewOpenAPIData(gdoc)
	if err != nil {
		t.Fatalf("kube-openapi proto models: %v", err)
	}
	for _, name := range []string{"io.k8s.api.core.v1.Pod", "io.k8s.api.apps.v1.Deployment", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"} {
		if models.LookupModel(name) == nil {
			t.Errorf("model %s missing", name)
		}
	}

	var swagger spec.Swagger
	if err := json.Unmarshal(s.V2JSON(), &swagger); err != nil {
		t.Fatal(err)
	}
	defs := map[string]*spec.Schema{}
	for name, d := range swagger.Definitions {
		defs[name] = &d
	}
	tc, err := managedfields.NewTypeConverter(defs, false)
	if err != nil {
		t.Fatalf("type converter: %v", err)
	}
	objects := []runtime.Object{
		&appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "nginx",
					// Two ports with the same number: told apart by protocol,
					// and a missing protocol defaults to TCP.
					Ports: []corev1.ContainerPort{{ContainerPort: 53}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
				}}}},
			},
		},
		&corev1.Service{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			Spec:     corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 53}, {Port: 53, Protocol: corev1.ProtocolUDP}}},
		},
	}
	for _, obj := range objects {
		typed, err := tc.ObjectToTyped(obj)
		if err != nil {
			t.Errorf("%T: %v", obj, err)
			continue
		}
		if _, err := typed.ToFieldSet(); err != nil {
			t.Errorf("%T field set: %v", obj, err)
		}
	}
}

// TestEveryKind describes every kind of every group in the scheme, to
// catch Go types reflection cannot handle and definition name clashes, and
// to keep an eye on how long a full-size build takes.
func TestEveryKind(t *testing.T) {
	var resources []*registry.Resource
	known := apischeme.Scheme.AllKnownTypes()
	objectMeta := reflect.TypeFor[metav1.ObjectMeta]()
	for gvk, typ := range known {
		if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		if _, ok := known[gvk.GroupVersion().WithKind(gvk.Kind+"List")]; !ok {
			continue
		}
		if f, ok := typ.FieldByName("ObjectMeta"); !ok || f.Type != objectMeta {
			continue
		}
		resources = append(resources, &registry.Resource{
			GroupVersion: gvk.GroupVersion(),
			Resource:     strings.ToLower(gvk.Kind) + "s",
			Kind:         gvk.Kind,
			Namespaced:   true,
			Status:       true,
			Strategy:     registry.BaseStrategy{},
		})
	}
	sort.Slice(resources, func(i, j int) bool {
		return resources[i].GroupVersionKind().String() < resources[j].GroupVersionKind().String()
	})
	if len(resources) < 100 {
		t.Fatalf("only %d kinds found in the scheme", len(resources))
	}
	start := time.Now()
	s, err := New(resources)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kinds: built in %v, v2 document %d bytes, %d v3 documents",
		len(resources), time.Since(start), len(s.V2JSON()), len(s.v3))
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name      string
		resources []*registry.Resource
	}{
		{"duplicate", append(testResources(), testResources()[0])},
		{"unknown kind without constructor", []*registry.Resource{{
			GroupVersion: schema.GroupVersion{Group: "example.com", Version: "v1"},
			Resource:     "widgets", Kind: "Widget", Strategy: registry.BaseStrategy{},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.resources); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

// TestDeterministic checks a rebuild gives the same bytes, so the hashes
// kubectl caches under stay valid across server restarts.
func TestDeterministic(t *testing.T) {
	a, b := newTestSpec(t), newTestSpec(t)
	if !bytes.Equal(a.V2JSON(), b.V2JSON()) {
		t.Error("v2 documents differ")
	}
	if !bytes.Equal(a.v3Discovery.jsonBytes(), b.v3Discovery.jsonBytes()) {
		t.Error("v3 discovery differs")
	}
}

// kubectl explain bindings finds the Binding schema by its GVK in the
// api/v1 v3 document.
func TestBindingKind(t *testing.T) {
	s := newTestSpec(t)
	var doc map[string]any
	if err := json.Unmarshal(s.v3["api/v1"].jsonBytes(), &doc); err != nil {
		t.Fatal(err)
	}
	gvks, _ := at(doc, "components", "schemas", "io.k8s.api.core.v1.Binding", "x-kubernetes-group-version-kind").([]any)
	want := []any{map[string]any{"group": "", "version": "v1", "kind": "Binding"}}
	if !jsonEqual(gvks, want) {
		t.Fatalf("Binding GVKs = %v, want %v", gvks, want)
	}
}
