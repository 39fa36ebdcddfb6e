package openapi

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/openapi/cached"
)

// TestFieldValidationSupported runs kubectl's own check of whether the
// server validates fields (which makes kubectl send fieldValidation=Strict
// instead of validating client-side) against our documents, v2 and v3.
func TestFieldValidationSupported(t *testing.T) {
	resources := testResources()
	srv := newTestServer(t, newTestSpec(t), resources)
	cfg := restConfig(srv)
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}

	verifiers := map[string]resource.Verifier{
		"v2": resource.NewQueryParamVerifier(dyn, disco, resource.QueryParamFieldValidation),
		"v3": resource.NewQueryParamVerifierV3(dyn, cached.NewClient(disco.OpenAPIV3()), resource.QueryParamFieldValidation),
		"fallback": resource.NewFallbackQueryParamVerifier(
			resource.NewQueryParamVerifierV3(dyn, disco.OpenAPIV3(), resource.QueryParamFieldValidation),
			resource.NewQueryParamVerifier(dyn, disco, resource.QueryParamFieldValidation)),
	}
	for name, v := range verifiers {
		t.Run(name, func(t *testing.T) {
			for _, r := range resources {
				if err := v.HasSupport(r.GroupVersionKind()); err != nil {
					t.Errorf("%v: %v", r.GroupVersionKind(), err)
				}
			}
			// A kind we do not serve must not be claimed as supported.
			unserved := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
			if err := v.HasSupport(unserved); err == nil {
				t.Errorf("%v: reported as supported", unserved)
			}
		})
	}
}
