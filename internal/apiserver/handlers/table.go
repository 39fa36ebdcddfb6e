package handlers

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apischeme"
)

// asTable renders a stored object or list as a meta.k8s.io Table of the
// target version, with the strategy's columns and rows. Each row carries
// the object as ?includeObject says: PartialObjectMetadata by default, the
// whole served object, or nothing.
func (s *scope) asTable(stored runtime.Object, isList bool, target schema.GroupVersionKind) (runtime.Object, error) {
	if err := checkMetaGroupVersion(target.GroupVersion(), "Table"); err != nil {
		return nil, err
	}
	opts := s.table
	if opts == nil {
		opts = &metav1.TableOptions{}
	}
	table := &metav1.Table{}
	if !opts.NoHeaders {
		table.ColumnDefinitions = s.ep.res.Strategy.TableColumns()
	}
	addRow := func(obj runtime.Object) error {
		row, err := s.tableRow(obj, opts.IncludeObject, target.GroupVersion())
		if err != nil {
			return err
		}
		table.Rows = append(table.Rows, row)
		return nil
	}
	if isList {
		if err := meta.EachListItem(stored, addRow); err != nil {
			return nil, err
		}
		if err := apischeme.CopyListMeta(table, stored); err != nil {
			return nil, err
		}
	} else {
		if err := addRow(stored); err != nil {
			return nil, err
		}
		if m, err := meta.Accessor(stored); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
		}
	}
	if table.Rows == nil {
		table.Rows = []metav1.TableRow{}
	}
	table.SetGroupVersionKind(target)
	return table, nil
}

// tableRow is one object's row.
func (s *scope) tableRow(stored runtime.Object, include metav1.IncludeObjectPolicy, gv schema.GroupVersion) (metav1.TableRow, error) {
	cells, err := s.ep.res.Strategy.TableRow(stored)
	if err != nil {
		return metav1.TableRow{}, fmt.Errorf("table row of %v: %w", s.ep.gvk, err)
	}
	row := metav1.TableRow{Cells: cells}
	switch include {
	case metav1.IncludeObject:
		obj, err := s.ep.served(stored)
		if err != nil {
			return metav1.TableRow{}, err
		}
		row.Object.Object = obj
	case metav1.IncludeMetadata, "":
		partial, err := asPartial(stored, gv)
		if err != nil {
			return metav1.TableRow{}, err
		}
		row.Object.Object = partial
	case metav1.IncludeNone:
	default:
		return metav1.TableRow{}, apierrors.NewBadRequest(fmt.Sprintf("unrecognized includeObject value: %q", include))
	}
	return row, nil
}

// bookmarkTable is the Table sent for a watch BOOKMARK: no rows, only the
// resourceVersion.
func bookmarkTable(stored runtime.Object, target schema.GroupVersionKind) runtime.Object {
	table := &metav1.Table{Rows: []metav1.TableRow{}}
	if m, err := meta.Accessor(stored); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	table.SetGroupVersionKind(target)
	return table
}
