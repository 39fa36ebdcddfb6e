package storage

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// ParseResourceVersion parses a resourceVersion string: "" and "0" are 0,
// anything else must be a positive integer (ErrInvalidResourceVersion).
func ParseResourceVersion(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, NewError(ErrInvalidResourceVersion, "", 0, fmt.Sprintf("invalid resource version %q", rv))
	}
	return n, nil
}

// ObjectResourceVersion returns the parsed metadata.resourceVersion of obj
// (an object or a list).
func ObjectResourceVersion(obj runtime.Object) (int64, error) {
	m, err := meta.CommonAccessor(obj)
	if err != nil {
		return 0, fmt.Errorf("object %T has no metadata: %w", obj, err)
	}
	return ParseResourceVersion(m.GetResourceVersion())
}

// SetResourceVersion sets obj's metadata.resourceVersion to rv ("" for 0).
func SetResourceVersion(obj runtime.Object, rv int64) error { return setResourceVersion(obj, rv) }

func setResourceVersion(obj runtime.Object, rv int64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("object %T has no metadata: %w", obj, err)
	}
	if rv == 0 {
		m.SetResourceVersion("")
		return nil
	}
	m.SetResourceVersion(strconv.FormatInt(rv, 10))
	return nil
}

// tooLargeDetail is the message client-go's reflector recognises to fall
// back to a list at the newest revision.
func tooLargeDetail(want, current int64) string {
	return fmt.Sprintf("Too large resource version: %d, current: %d", want, current)
}

// TooOldDetail is the message of a 410 Expired for a watch whose
// resourceVersion is older than the oldest revision still available.
func TooOldDetail(requested, oldest int64) string {
	return fmt.Sprintf("too old resource version: %d (%d)", requested, oldest)
}
