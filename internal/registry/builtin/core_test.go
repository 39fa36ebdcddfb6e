package builtin

import (
	"context"
	"testing"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/registry"
)

// TestCoreResources checks every core/v1 resource is complete and that its
// strategy copes with an empty object (defaults, create, validation,
// selectable fields and a table row of the right width).
func TestCoreResources(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range coreResources() {
		t.Run(r.Resource, func(t *testing.T) {
			if seen[r.Resource] {
				t.Fatalf("duplicate resource %s", r.Resource)
			}
			seen[r.Resource] = true
			if r.Strategy == nil || r.New == nil || r.NewList == nil || r.Kind == "" || r.Singular == "" || r.StoragePrefix != "/registry/"+r.Resource {
				t.Fatalf("incomplete resource %+v", r)
			}
			gvks, _, err := apischeme.Scheme.ObjectKinds(r.New())
			if err != nil || gvks[0] != r.GroupVersionKind() {
				t.Errorf("New() kinds = %v, %v; want %v", gvks, err, r.GroupVersionKind())
			}
			gvks, _, err = apischeme.Scheme.ObjectKinds(r.NewList())
			if err != nil || gvks[0].Kind != r.ListKindName() {
				t.Errorf("NewList() kinds = %v, %v", gvks, err)
			}
			obj := r.New()
			ctx := context.Background()
			r.Strategy.Default(obj)
			r.Strategy.PrepareForCreate(ctx, obj)
			_ = r.Strategy.Validate(ctx, obj)
			_, fields, err := r.Strategy.Attrs(obj)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := fields["metadata.name"]; !ok {
				t.Errorf("fields lack metadata.name: %v", fields)
			}
			if _, ok := fields["metadata.namespace"]; ok != r.Namespaced {
				t.Errorf("metadata.namespace present = %v, namespaced = %v", ok, r.Namespaced)
			}
			row, err := r.Strategy.TableRow(obj)
			if err != nil {
				t.Fatal(err)
			}
			if cols := r.Strategy.TableColumns(); len(row) != len(cols) {
				t.Errorf("row has %d cells, table %d columns", len(row), len(cols))
			}
			var _ registry.Strategy = r.Strategy
		})
	}
	if len(seen) != 15 {
		t.Errorf("core resources = %d, want 15", len(seen))
	}
}
