package handlers

import (
	"encoding/json"
	"reflect"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// typedMerge runs mergePatchTyped on a copy of pod.
func typedMerge(t *testing.T, pod *corev1.Pod, patch string) (*corev1.Pod, bool) {
	t.Helper()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(patch), &keys); err != nil {
		t.Fatal(err)
	}
	out := pod.DeepCopy()
	v := reflect.ValueOf(out)
	return out, mergePatchTyped(v.Elem(), topFields(v.Type()), keys)
}

// TestMergePatchTypedMatchesWholeObject checks that merge patches the
// typed path takes give what patching the whole object's JSON gives.
func TestMergePatchTypedMatchesWholeObject(t *testing.T) {
	tests := []struct{ name, patch string }{
		{"kubelet-style status", `{"status":{"phase":"Running","hostIP":"192.168.0.1","hostIPs":[{"ip":"192.168.0.1"}],"podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"}],` +
			`"startTime":"2026-11-01T10:00:05Z","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-01T10:00:05Z"}],` +
			`"containerStatuses":[{"name":"main","ready":true,"restartCount":0,"image":"nginx","imageID":"sim://nginx","started":true,"state":{"running":{"startedAt":"2026-11-01T10:00:05Z"}}}]}}`},
		{"null resets a field", `{"status":{"startTime":null,"message":"gone"}}`},
		{"labels added and removed", `{"metadata":{"labels":{"tier":null,"new":"yes"}}}`},
		{"labels onto none", `{"metadata":{"annotations":null,"labels":{"app":null}}}`},
		{"nested pointer struct created", `{"spec":{"securityContext":{"runAsUser":5,"runAsNonRoot":true}}}`},
		{"nested pointer struct merged", `{"spec":{"dnsConfig":{"options":[{"name":"ndots","value":"2"}]}}}`},
		{"quantities in a list", `{"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"2","memory":"1Gi"}}}]}}`},
		{"nulls inside a list stay the list's", `{"status":{"containerStatuses":[{"name":"a","state":{"waiting":null,"running":{}}}]}}`},
		{"big integer", `{"spec":{"activeDeadlineSeconds":9007199254740993}}`},
		{"empty object", `{"status":{}}`},
		{"several fields", `{"metadata":{"annotations":{"a":"b"}},"spec":{"nodeName":"n2"},"status":{"phase":"Succeeded"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typed, handled := typedMerge(t, patchTestPod(), tc.patch)
			if !handled {
				t.Fatal("the typed path did not take the patch")
			}
			whole, _, err := patchTestScope().patchWhole(types.MergePatchType, patchTestPod(), []byte(tc.patch), metav1.FieldValidationStrict)
			if err != nil {
				t.Fatalf("whole-object patch: %v", err)
			}
			if w, f := mustJSON(t, whole), mustJSON(t, typed); w != f {
				t.Errorf("results differ:\nwhole %s\ntyped %s", w, f)
			}
		})
	}
}

// TestMergePatchTypedLeavesTheRest: patches the typed path cannot word
// the errors or warnings of go to the generic path, and leave the object
// as it was.
func TestMergePatchTypedLeavesTheRest(t *testing.T) {
	tests := []struct{ name, patch string }{
		{"unknown field", `{"status":{"bogus":1}}`},
		{"unknown nested field after a good one", `{"status":{"phase":"Running","conditions":[{"type":"Ready","bogus":true}]}}`},
		{"field name in other case", `{"status":{"Phase":"Running"}}`},
		{"wrong type", `{"status":{"phase":5}}`},
		{"object into a time", `{"status":{"startTime":{"seconds":1}}}`},
		{"object into a string", `{"spec":{"nodeName":{"a":"b"}}}`},
		{"duplicate field in a list element", `{"status":{"podIPs":[{"ip":"a","ip":"b"}]}}`},
		{"bad quantity", `{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, handled := typedMerge(t, patchTestPod(), tc.patch)
			if handled {
				t.Fatal("the typed path took a patch it cannot word the outcome of")
			}
			if !apiequality.Semantic.DeepEqual(out, patchTestPod()) {
				t.Errorf("the object changed:\n%s", mustJSON(t, out))
			}
		})
	}
}

// TestStructLayout covers promotion of embedded fields and the types the
// typed path leaves alone.
func TestStructLayout(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
	}
	type Inner struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
	}
	type promoted struct {
		Inner `json:",inline"`
		C     string `json:"c"`
		D     string
		e     string
		Skip  string `json:"-"`
	}
	type quoted struct {
		N int `json:"n,string"`
	}
	type clash struct {
		inner
		A string `json:"a"`
	}
	type embeddedPointer struct {
		*inner
	}
	type embeddedUnexported struct {
		inner
	}
	layout := structLayoutOf(reflect.TypeFor[promoted]())
	want := map[string][]int{"a": {0, 0}, "b": {0, 1}, "c": {1}, "D": {2}}
	if !reflect.DeepEqual(layout, want) {
		t.Errorf("layout = %v, want %v", layout, want)
	}
	for name, typ := range map[string]reflect.Type{
		"own JSON form":       reflect.TypeFor[metav1.Time](),
		"string option":       reflect.TypeFor[quoted](),
		"clashing names":      reflect.TypeFor[clash](),
		"embedded pointer":    reflect.TypeFor[embeddedPointer](),
		"embedded unexported": reflect.TypeFor[embeddedUnexported](),
	} {
		if layout := structLayoutOf(typ); layout != nil {
			t.Errorf("%s: layout %v, want none", name, layout)
		}
	}
}

// TestMergePatchTypedMaps checks maps of structs and of pointers against
// RFC 7386 applied to the JSON.
func TestMergePatchTypedMaps(t *testing.T) {
	type item struct {
		Name  string            `json:"name,omitempty"`
		Count int64             `json:"count,omitempty"`
		Tags  map[string]string `json:"tags,omitempty"`
	}
	type holder struct {
		Items    map[string]item  `json:"items,omitempty"`
		Pointers map[string]*item `json:"pointers,omitempty"`
		Plain    map[string]int64 `json:"plain,omitempty"`
	}
	original := func() *holder {
		return &holder{
			Items:    map[string]item{"x": {Name: "x", Count: 1, Tags: map[string]string{"k": "v"}}, "y": {Name: "y"}},
			Pointers: map[string]*item{"p": {Name: "p", Count: 2}},
			Plain:    map[string]int64{"one": 1},
		}
	}
	tests := []string{
		`{"items":{"x":{"count":5,"tags":{"k":null,"k2":"v2"}},"y":null,"z":{"name":"z","count":null}}}`,
		`{"pointers":{"p":{"name":null},"q":{"count":3}}}`,
		`{"plain":{"one":null,"two":2},"items":null}`,
	}
	for _, patch := range tests {
		t.Run(patch, func(t *testing.T) {
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(patch), &keys); err != nil {
				t.Fatal(err)
			}
			typed := original()
			old := *typed // the maps the merge must not change
			v := reflect.ValueOf(typed)
			if !mergePatchTyped(v.Elem(), topFields(v.Type()), keys) {
				t.Fatal("the typed path did not take the patch")
			}
			doc, err := json.Marshal(original())
			if err != nil {
				t.Fatal(err)
			}
			merged, err := jsonpatch.MergePatch(doc, []byte(patch))
			if err != nil {
				t.Fatal(err)
			}
			want := &holder{}
			if err := json.Unmarshal(merged, want); err != nil {
				t.Fatal(err)
			}
			if w, f := mustJSON(t, want), mustJSON(t, typed); w != f {
				t.Errorf("results differ:\nRFC 7386 %s\ntyped    %s", w, f)
			}
			if got := mustJSON(t, &old); got != string(doc) {
				t.Errorf("the merge changed the original maps: %s", got)
			}
		})
	}
}
