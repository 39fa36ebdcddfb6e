package builtin

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/nauta/nauta/internal/apischeme"
)

// TestGroupResources checks every named-group resource is consistent with
// the scheme and that its strategy handles an empty object of the stored
// kind without panicking.
func TestGroupResources(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range groupResources() {
		gvr := r.GroupVersionResource().String()
		t.Run(gvr, func(t *testing.T) {
			if seen[gvr] {
				t.Fatalf("duplicate resource")
			}
			seen[gvr] = true
			if r.Strategy == nil || r.New == nil || r.NewList == nil {
				t.Fatalf("incomplete resource: %+v", r)
			}
			if !strings.HasPrefix(r.StoragePrefix, "/registry/") {
				t.Errorf("storage prefix %q", r.StoragePrefix)
			}
			if r.Singular != strings.ToLower(r.Kind) {
				t.Errorf("singular %q for kind %q", r.Singular, r.Kind)
			}
			// The served kind must exist in the scheme.
			if _, err := apischeme.Scheme.New(r.GroupVersionKind()); err != nil {
				t.Errorf("served kind: %v", err)
			}
			// New makes the stored kind.
			obj := r.New()
			kinds, _, err := apischeme.Scheme.ObjectKinds(obj)
			if err != nil {
				t.Fatal(err)
			}
			stored := r.StorageGroupVersion().WithKind(r.Kind)
			found := false
			for _, k := range kinds {
				found = found || k == stored
			}
			if !found {
				t.Errorf("New() is %v, want %v", kinds, stored)
			}
			if (r.ToStorage == nil) != (r.StorageVersion.Empty() || r.StorageVersion == r.GroupVersion) {
				t.Errorf("conversion functions and storage version disagree")
			}
			if r.ToStorage != nil {
				served, _ := apischeme.Scheme.New(r.GroupVersionKind())
				if _, err := r.ToStorage(served); err != nil {
					t.Errorf("ToStorage: %v", err)
				}
				if _, err := r.FromStorage(r.New()); err != nil {
					t.Errorf("FromStorage: %v", err)
				}
			}
			if !meta.IsListType(r.NewList()) {
				t.Errorf("NewList() is not a list")
			}

			s := r.Strategy
			ctx := context.Background()
			s.Default(obj)
			s.PrepareForCreate(ctx, obj)
			_ = s.Validate(ctx, obj)
			old := r.New()
			s.Default(old)
			s.PrepareForUpdate(ctx, obj, old)
			_ = s.ValidateUpdate(ctx, obj, old)
			if _, _, err := s.Attrs(obj); err != nil {
				t.Errorf("Attrs: %v", err)
			}
			cols := s.TableColumns()
			row, err := s.TableRow(obj)
			if err != nil {
				t.Fatalf("TableRow: %v", err)
			}
			if len(cols) != len(row) {
				t.Errorf("%d columns, %d cells", len(cols), len(row))
			}
			if r.Scale != nil {
				r.Scale.SetSpecReplicas(obj, 3)
				if r.Scale.SpecReplicas(obj) != 3 {
					t.Errorf("scale access broken")
				}
			}
		})
	}
}
