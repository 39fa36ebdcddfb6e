package handlers

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metainternalvalidation "k8s.io/apimachinery/pkg/apis/meta/internalversion/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage"
)

// listRequest is a parsed list or watch request.
type listRequest struct {
	opts      metav1.ListOptions
	predicate storage.SelectionPredicate
	// name and namespace narrow the request to one object or namespace when
	// the field selector pins them.
	name      string
	namespace string
}

// listOptions decodes and validates ?labelSelector, ?fieldSelector, ?limit,
// ?continue, ?resourceVersion(Match), ?sendInitialEvents and friends.
func (s *scope) listOptions(r *http.Request) (*listRequest, error) {
	lr := &listRequest{namespace: s.namespace}
	if err := decodeQuery(r, &lr.opts); err != nil {
		return nil, err
	}
	if s.info.Verb == "watch" {
		lr.opts.Watch = true
	}
	label := labels.Everything()
	if lr.opts.LabelSelector != "" {
		sel, err := labels.Parse(lr.opts.LabelSelector)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		label = sel
	}
	field := fields.Everything()
	if lr.opts.FieldSelector != "" {
		sel, err := fields.ParseSelector(lr.opts.FieldSelector)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		for _, req := range sel.Requirements() {
			if !s.ep.fieldLabels[req.Field] {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
			}
		}
		field = sel
	}
	// A name in the path (/watch/.../name) selects that object; the
	// filter chain also reports a metadata.name field selector as the name.
	if name := s.info.Name; name != "" {
		if field.Empty() {
			field = fields.OneTermEqualSelector("metadata.name", name)
		} else if selected, ok := field.RequiresExactMatch("metadata.name"); !ok || selected != name {
			return nil, apierrors.NewBadRequest("fieldSelector metadata.name doesn't match requested name")
		}
	}
	internal := internalversion.ListOptions{
		LabelSelector:        label,
		FieldSelector:        field,
		Watch:                lr.opts.Watch,
		AllowWatchBookmarks:  lr.opts.AllowWatchBookmarks,
		ResourceVersion:      lr.opts.ResourceVersion,
		ResourceVersionMatch: lr.opts.ResourceVersionMatch,
		TimeoutSeconds:       lr.opts.TimeoutSeconds,
		Limit:                lr.opts.Limit,
		Continue:             lr.opts.Continue,
		SendInitialEvents:    lr.opts.SendInitialEvents,
	}
	if errs := metainternalvalidation.ValidateListOptions(&internal, true); len(errs) > 0 {
		return nil, invalidOptions("ListOptions", errs)
	}
	lr.predicate = storage.SelectionPredicate{
		Label:    label,
		Field:    field,
		GetAttrs: s.ep.res.Strategy.Attrs,
		Limit:    lr.opts.Limit,
		Continue: lr.opts.Continue,
	}
	if name, ok := field.RequiresExactMatch("metadata.name"); ok && name != "" {
		lr.name = name
	}
	if s.ep.res.Namespaced && lr.namespace == "" {
		if ns, ok := field.RequiresExactMatch("metadata.namespace"); ok && ns != "" {
			lr.namespace = ns
		}
	}
	return lr, nil
}

// readList reads the stored objects a list request selects.
func (s *scope) readList(ctx context.Context, lr *listRequest) (runtime.Object, error) {
	list := s.ep.res.NewList()
	key, recursive := s.listKey(lr)
	err := s.ep.store.GetList(ctx, key, storage.ListOptions{
		ResourceVersion:      lr.opts.ResourceVersion,
		ResourceVersionMatch: lr.opts.ResourceVersionMatch,
		Predicate:            lr.predicate,
		Recursive:            recursive,
	}, list)
	if err != nil {
		return nil, err
	}
	return list, nil
}

// listKey is where a list or watch reads: one key when the request pins
// a single object, else the (namespace) prefix, recursively.
func (s *scope) listKey(lr *listRequest) (string, bool) {
	if lr.name != "" && (!s.ep.res.Namespaced || lr.namespace != "") {
		return s.ep.key(lr.namespace, lr.name), false
	}
	return s.ep.prefix(lr.namespace), true
}

// list serves GET on a collection.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, s *scope) {
	lr, err := s.listOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if lr.opts.Watch {
		h.watch(w, r, s)
		return
	}
	list, err := s.readList(r.Context(), lr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if stream := s.objectStream(r); stream != nil {
		s.writeListObject(w, stream, list)
		return
	}
	s.write(w, r, http.StatusOK, list)
}

// get serves GET on an object or its status.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, s *scope) {
	opts := &metav1.GetOptions{}
	if err := decodeQuery(r, opts); err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.ep.newStored()
	if err := s.ep.store.Get(r.Context(), s.key(s.name), storage.GetOptions{ResourceVersion: opts.ResourceVersion}, out); err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, r, http.StatusOK, out)
}

// eachItem calls fn with the metadata of every item of a list.
func eachItem(list runtime.Object, fn func(metav1.Object) error) error {
	return meta.EachListItem(list, func(obj runtime.Object) error {
		m, err := accessor(obj)
		if err != nil {
			return err
		}
		return fn(m)
	})
}
