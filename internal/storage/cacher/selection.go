package cacher

import (
	"github.com/nauta/nauta/internal/storage"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// attrMemo holds one element's selector attributes (Config.Attrs) once
// computed. It lives only as long as one evaluation round (one event handed
// to every watcher, one list, one initial event), so an event fanned out to
// many field-selector watchers computes them once, and the cache itself
// never stores them. It is not safe for concurrent use.
type attrMemo struct {
	done   bool
	labels labels.Set
	fields fields.Set
	err    error
}

// eventMemo is the attrMemo of both sides of an event.
type eventMemo struct {
	cur, prev attrMemo
}

// matches applies pred to el. Label-only predicates read the labels from
// the object's metadata (which is what every kind's Attrs returns as its
// labels); a field selector computes the kind's Attrs into memo, and later
// predicates on the same memo reuse them.
func (c *Cacher) matches(pred storage.SelectionPredicate, el *element, memo *attrMemo) bool {
	needLabels := pred.Label != nil && !pred.Label.Empty()
	needFields := pred.Field != nil && !pred.Field.Empty()
	if !needLabels && !needFields {
		return true
	}
	if !needFields && !memo.done {
		if m, err := meta.Accessor(el.obj); err == nil {
			return pred.Label.Matches(labels.Set(m.GetLabels()))
		}
	}
	if !memo.done {
		memo.done = true
		memo.labels, memo.fields, memo.err = c.cfg.Attrs(el.obj)
		if memo.err != nil {
			c.cfg.Logger.Warn("selector attributes", "key", el.key, "err", memo.err)
		}
	}
	if memo.err != nil {
		return false
	}
	if needLabels && !pred.Label.Matches(memo.labels) {
		return false
	}
	return !needFields || pred.Field.Matches(memo.fields)
}
