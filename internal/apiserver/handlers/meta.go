package handlers

import (
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// now is the current time at the second precision timestamps are stored
// with.
func now() metav1.Time { return metav1.NewTime(time.Now().Truncate(time.Second)) }

// accessor returns the metadata of an object the handlers made; objects
// without metadata are a programming error reported as a 500.
func accessor(obj runtime.Object) (metav1.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("object %T has no metadata: %w", obj, err))
	}
	return m, nil
}

// resetForCreate clears what a client may not set on create and fills in
// the server-owned identity: a new uid and the creation time.
func resetForCreate(m metav1.Object) {
	m.SetResourceVersion("")
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetGeneration(0)
	m.SetManagedFields(nil)
	m.SetSelfLink("")
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(now())
}

// carryForUpdate keeps the metadata an update may not change from old:
// uid (when unset), creation time, deletion state and generation (the
// strategy bumps it).
func carryForUpdate(m, old metav1.Object) {
	m.SetGeneration(old.GetGeneration())
	if m.GetUID() == "" {
		m.SetUID(old.GetUID())
	}
	if ts := old.GetCreationTimestamp(); !ts.IsZero() {
		m.SetCreationTimestamp(ts)
	}
	if old.GetDeletionTimestamp() != nil {
		m.SetDeletionTimestamp(old.GetDeletionTimestamp())
	}
	if old.GetDeletionGracePeriodSeconds() != nil && m.GetDeletionGracePeriodSeconds() == nil {
		m.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	}
	m.SetManagedFields(nil)
	m.SetSelfLink("")
}

// resetForStatus keeps the metadata a status write may not change.
func resetForStatus(m, old metav1.Object) {
	m.SetDeletionTimestamp(old.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	m.SetGeneration(old.GetGeneration())
	m.SetFinalizers(old.GetFinalizers())
	m.SetOwnerReferences(old.GetOwnerReferences())
}

// Name generation as upstream: the prefix cut to leave room for five
// random characters from an alphabet without vowels or look-alikes.
const (
	maxNameLength          = 63
	randomLength           = 5
	maxGeneratedNameLength = maxNameLength - randomLength
	// maxCreateAttempts bounds retries when a generated name is taken.
	maxCreateAttempts = 8
)

func generateName(base string) string {
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + utilrand.String(randomLength)
}

// ensureNamespace makes the object's namespace match the request: set when
// empty, cleared for cluster-scoped kinds, 400 when it differs.
func (s *scope) ensureNamespace(m metav1.Object) error {
	if !s.ep.res.Namespaced {
		m.SetNamespace("")
		return nil
	}
	switch m.GetNamespace() {
	case s.namespace:
	case "":
		m.SetNamespace(s.namespace)
	default:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}
