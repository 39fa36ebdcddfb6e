package responsewriters

import (
	"net/http/httptest"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func allowTableAndPartial(info runtime.SerializerInfo, gvk schema.GroupVersionKind) bool {
	if gvk.Group != "meta.k8s.io" {
		return false
	}
	switch gvk.Kind {
	case "Table":
		return info.MediaType == runtime.ContentTypeJSON
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return true
	}
	return false
}

func TestNegotiateOutput(t *testing.T) {
	tests := []struct {
		name      string
		accept    string
		query     string
		allow     AllowConvert
		stream    bool
		wantType  string
		wantKind  string
		wantError bool
	}{
		{name: "empty", wantType: "application/json"},
		{name: "json", accept: "application/json", wantType: "application/json"},
		{name: "client-go default", accept: "application/json, */*", wantType: "application/json"},
		{name: "protobuf", accept: "application/vnd.kubernetes.protobuf, */*", wantType: "application/vnd.kubernetes.protobuf"},
		{name: "yaml", accept: "application/yaml", wantType: "application/yaml"},
		{name: "wildcard", accept: "*/*", wantType: "application/json"},
		{name: "application wildcard", accept: "application/*", wantType: "application/json"},
		{name: "q ordering", accept: "application/json;q=0.5, application/yaml", wantType: "application/yaml"},
		{name: "unsupported", accept: "text/html", wantError: true},
		{name: "kubectl table", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
			allow: allowTableAndPartial, wantType: "application/json", wantKind: "Table"},
		{name: "table not offered falls back", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
			wantType: "application/json"},
		{name: "table only, not offered", accept: "application/json;as=Table;v=v1;g=meta.k8s.io", wantError: true},
		{name: "protobuf table refused, json fallback", accept: "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json",
			allow: allowTableAndPartial, wantType: "application/json"},
		{name: "metadata client", accept: "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
			allow: allowTableAndPartial, wantType: "application/vnd.kubernetes.protobuf", wantKind: "PartialObjectMetadataList"},
		{name: "stream skips yaml", accept: "application/yaml, application/json", stream: true, wantType: "application/json"},
		{name: "stream yaml only", accept: "application/yaml", stream: true, wantError: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/pods"+tc.query, nil)
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			var (
				target Target
				err    error
			)
			if tc.stream {
				target, err = NegotiateStream(r, tc.allow)
			} else {
				target, err = NegotiateOutput(r, tc.allow)
			}
			if tc.wantError {
				if err == nil {
					t.Fatalf("want an error, got %+v", target)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kind := ""
			if target.Convert != nil {
				kind = target.Convert.Kind
			}
			if target.Info.MediaType != tc.wantType || kind != tc.wantKind {
				t.Fatalf("got %s as=%s", target.Info.MediaType, kind)
			}
		})
	}
}

func TestNegotiateInput(t *testing.T) {
	for ct, ok := range map[string]bool{
		"":                                    true,
		"application/json":                    true,
		"application/json; charset=utf-8":     true,
		"application/yaml":                    true,
		"application/vnd.kubernetes.protobuf": true,
		"text/plain":                          false,
		"application/merge-patch+json":        false,
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		_, err := NegotiateInput(r)
		if (err == nil) != ok {
			t.Errorf("%q: %v", ct, err)
		}
	}
}
