package namespace

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// report is what one pass of content deletion found; it is turned into the
// Namespace's status conditions.
type report struct {
	DiscoveryErr    error
	GroupVersionErr error
	ContentErrs     []error
	// Remaining counts leftover items per resource, Finalizers leftover
	// items per finalizer.
	Remaining  map[schema.GroupVersionResource]int
	Finalizers map[string]int
}

// The conditions this controller owns, in the order it writes them, with
// the reason and message upstream shows when all is well. Clients and
// people read these strings, so they follow upstream's wording.
var conditionTypes = []v1.NamespaceConditionType{
	v1.NamespaceDeletionDiscoveryFailure,
	v1.NamespaceDeletionGVParsingFailure,
	v1.NamespaceDeletionContentFailure,
	v1.NamespaceContentRemaining,
	v1.NamespaceFinalizersRemaining,
}

var okConditions = map[v1.NamespaceConditionType]struct{ reason, message string }{
	v1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	v1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	v1.NamespaceDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	v1.NamespaceContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	v1.NamespaceFinalizersRemaining:      {"ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// conditionsFor returns the five deletion conditions for r, without
// timestamps, in conditionTypes order.
func conditionsFor(r report) []v1.NamespaceCondition {
	out := make([]v1.NamespaceCondition, 0, len(conditionTypes))
	for _, t := range conditionTypes {
		c := v1.NamespaceCondition{Type: t, Status: v1.ConditionFalse, Reason: okConditions[t].reason, Message: okConditions[t].message}
		switch t {
		case v1.NamespaceDeletionDiscoveryFailure:
			if r.DiscoveryErr != nil {
				c.Status, c.Reason, c.Message = v1.ConditionTrue, "DiscoveryFailed", discoveryMessage(r.DiscoveryErr)
			}
		case v1.NamespaceDeletionGVParsingFailure:
			if r.GroupVersionErr != nil {
				c.Status, c.Reason, c.Message = v1.ConditionTrue, "GroupVersionParsingFailed", r.GroupVersionErr.Error()
			}
		case v1.NamespaceDeletionContentFailure:
			if len(r.ContentErrs) > 0 {
				msgs := make([]string, 0, len(r.ContentErrs))
				for _, err := range r.ContentErrs {
					msgs = append(msgs, err.Error())
				}
				sort.Strings(msgs)
				c.Status, c.Reason = v1.ConditionTrue, "ContentDeletionFailed"
				c.Message = fmt.Sprintf("Failed to delete all resource types, %d remaining: %s", len(msgs), strings.Join(msgs, ", "))
			}
		case v1.NamespaceContentRemaining:
			var parts []string
			for gvr, n := range r.Remaining {
				if n > 0 {
					parts = append(parts, fmt.Sprintf("%s.%s has %d resource instances", gvr.Resource, gvr.Group, n))
				}
			}
			if len(parts) > 0 {
				sort.Strings(parts)
				c.Status, c.Reason = v1.ConditionTrue, "SomeResourcesRemain"
				c.Message = "Some resources are remaining: " + strings.Join(parts, ", ")
			}
		case v1.NamespaceFinalizersRemaining:
			var parts []string
			for f, n := range r.Finalizers {
				if n > 0 {
					parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, n))
				}
			}
			if len(parts) > 0 {
				sort.Strings(parts)
				c.Status, c.Reason = v1.ConditionTrue, "SomeFinalizersRemain"
				c.Message = "Some content in the namespace has finalizers remaining: " + strings.Join(parts, ", ")
			}
		}
		out = append(out, c)
	}
	return out
}

func discoveryMessage(err error) string {
	var failed *discovery.ErrGroupDiscoveryFailed
	if errors.As(err, &failed) {
		return fmt.Sprintf("Discovery failed for some groups, %d failing: %v", len(failed.Groups), err)
	}
	return err.Error()
}

// mergeConditions applies want onto existing: conditions of other types
// are kept as they are; a condition whose status flips gets now as its
// transition time, one whose reason or message changes keeps its time.
// It reports whether anything changed.
func mergeConditions(existing, want []v1.NamespaceCondition, now metav1.Time) ([]v1.NamespaceCondition, bool) {
	out := make([]v1.NamespaceCondition, len(existing))
	copy(out, existing)
	changed := false
	for _, w := range want {
		i := indexOf(out, w.Type)
		if i < 0 {
			w.LastTransitionTime = now
			out = append(out, w)
			changed = true
			continue
		}
		old := &out[i]
		if old.Status == w.Status && old.Reason == w.Reason && old.Message == w.Message {
			continue
		}
		if old.Status != w.Status {
			old.LastTransitionTime = now
		}
		old.Status, old.Reason, old.Message = w.Status, w.Reason, w.Message
		changed = true
	}
	return out, changed
}

func indexOf(conditions []v1.NamespaceCondition, t v1.NamespaceConditionType) int {
	for i := range conditions {
		if conditions[i].Type == t {
			return i
		}
	}
	return -1
}
