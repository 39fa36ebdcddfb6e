package namespace

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// target is one namespaced resource to empty, and how the server lets us.
type target struct {
	GVR schema.GroupVersionResource
	// DeleteCollection: one DELETE on the collection; otherwise list and
	// delete item by item.
	DeleteCollection bool
	// List: the remaining items can be listed to check the result.
	List bool
}

// deletionTargets picks, from discovery, every namespaced resource the
// controller must empty: it must allow delete, and either deletecollection
// or list (otherwise its items cannot be found). Subresources are skipped.
// A group version that does not parse is reported in the error and skipped;
// the rest are still returned. The result is sorted by group and resource
// for stable behaviour.
func deletionTargets(lists []*metav1.APIResourceList) ([]target, error) {
	var targets []target
	var errs []error
	seen := map[schema.GroupVersionResource]bool{}
	for _, list := range lists {
		if list == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			errs = append(errs, fmt.Errorf("parse group version %q: %w", list.GroupVersion, err))
			continue
		}
		for _, r := range list.APIResources {
			if !r.Namespaced || strings.Contains(r.Name, "/") {
				continue
			}
			verbs := r.Verbs
			if !slices.Contains(verbs, "delete") {
				continue
			}
			t := target{
				GVR:              gv.WithResource(r.Name),
				DeleteCollection: slices.Contains(verbs, "deletecollection"),
				List:             slices.Contains(verbs, "list"),
			}
			if (!t.DeleteCollection && !t.List) || seen[t.GVR] {
				continue
			}
			seen[t.GVR] = true
			targets = append(targets, t)
		}
	}
	slices.SortFunc(targets, func(a, b target) int {
		if c := strings.Compare(a.GVR.Group, b.GVR.Group); c != 0 {
			return c
		}
		return strings.Compare(a.GVR.Resource, b.GVR.Resource)
	})
	return targets, errors.Join(errs...)
}

var podsResource = schema.GroupResource{Resource: "pods"}

// podGraceEstimate is how many more seconds pods may legitimately take to
// terminate: the longest grace period among pods that are not finished,
// or 0 once that long has passed since the namespace was deleted.
func podGraceEstimate(pods []v1.Pod, deletedAt, now time.Time) int64 {
	var estimate int64
	for i := range pods {
		pod := &pods[i]
		if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
			continue
		}
		if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && *g > estimate {
			estimate = *g
		}
	}
	if now.Sub(deletedAt) >= time.Duration(estimate)*time.Second {
		return 0
	}
	return estimate
}

// finalizerEstimateSeconds is how long we expect other controllers to take
// to finish finalizers on leftover items before we look again.
const finalizerEstimateSeconds int64 = 15

// remaining is what is left of one resource after deleting its content.
type remaining struct {
	Count      int
	Finalizers map[string]int
	// Estimate in seconds before the leftovers should be gone; 0 with a
	// Count > 0 means they should not be there at all.
	Estimate int64
}

// assessRemaining decides what the items still listed after deletion mean:
// items waiting on a grace period or on finalizers are expected (Estimate >
// 0); items with neither are an error, since they should be gone already.
func assessRemaining(gvr schema.GroupVersionResource, items []metav1.PartialObjectMetadata, graceEstimate int64) (remaining, error) {
	if len(items) == 0 {
		return remaining{}, nil
	}
	r := remaining{Count: len(items), Finalizers: map[string]int{}}
	for i := range items {
		for _, f := range items[i].Finalizers {
			r.Finalizers[f]++
		}
	}
	switch {
	case graceEstimate > 0:
		r.Estimate = graceEstimate
	case len(r.Finalizers) > 0:
		r.Estimate = finalizerEstimateSeconds
	default:
		return r, fmt.Errorf("unexpected items still remain in namespace for %s: %d", gvr, len(items))
	}
	return r, nil
}

// requeueDelay is when to look again at a namespace whose content needs
// estimate more seconds: half of it, so progress is noticed early.
func requeueDelay(estimate int64) time.Duration {
	return time.Duration(estimate/2+1) * time.Second
}

// hasFinalizer reports whether finalizers contain token.
func hasFinalizer(finalizers []v1.FinalizerName, token v1.FinalizerName) bool {
	return slices.Contains(finalizers, token)
}

// withoutFinalizer returns finalizers minus token, keeping the order.
func withoutFinalizer(finalizers []v1.FinalizerName, token v1.FinalizerName) []v1.FinalizerName {
	out := make([]v1.FinalizerName, 0, len(finalizers))
	for _, f := range finalizers {
		if f != token {
			out = append(out, f)
		}
	}
	return out
}
