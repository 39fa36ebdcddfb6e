package handlers

import (
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/registry/core/columns"
)

// scaleColumns are the columns kubectl shows for
// `kubectl get <kind> <name> --subresource=scale`: the Scale has its own
// table, not the parent kind's.
func scaleColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Desired", Type: "integer", Description: autoscalingv1.ScaleSpec{}.SwaggerDoc()["replicas"]},
		{Name: "Available", Type: "integer", Description: autoscalingv1.ScaleStatus{}.SwaggerDoc()["replicas"]},
		columns.Age(),
	}
}

// scaleTable renders one Scale as a meta.k8s.io Table of the target
// version, carrying the Scale in its row as ?includeObject says.
func (s *scope) scaleTable(sc *autoscalingv1.Scale, target schema.GroupVersionKind) (runtime.Object, error) {
	if err := checkMetaGroupVersion(target.GroupVersion(), "Table"); err != nil {
		return nil, err
	}
	opts := s.table
	if opts == nil {
		opts = &metav1.TableOptions{}
	}
	row := metav1.TableRow{Cells: []any{
		sc.Name, int64(sc.Spec.Replicas), int64(sc.Status.Replicas), columns.Since(sc.CreationTimestamp),
	}}
	switch opts.IncludeObject {
	case metav1.IncludeObject:
		row.Object.Object = sc
	case metav1.IncludeMetadata, "":
		partial, err := asPartial(sc, target.GroupVersion())
		if err != nil {
			return nil, err
		}
		row.Object.Object = partial
	case metav1.IncludeNone:
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unrecognized includeObject value: %q", opts.IncludeObject))
	}
	table := &metav1.Table{Rows: []metav1.TableRow{row}}
	if !opts.NoHeaders {
		table.ColumnDefinitions = scaleColumns()
	}
	table.ResourceVersion = sc.ResourceVersion
	table.SetGroupVersionKind(target)
	return table, nil
}
