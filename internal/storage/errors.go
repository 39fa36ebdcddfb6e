package storage

import (
	"errors"
	"fmt"
)

// The kinds of storage failure the API server maps to HTTP statuses.
var (
	ErrKeyNotFound             = errors.New("key not found")              // 404 NotFound
	ErrKeyExists               = errors.New("key exists")                 // 409 AlreadyExists
	ErrConflict                = errors.New("resource version conflict")  // 409 Conflict
	ErrUIDMismatch             = errors.New("uid precondition failed")    // 409 Conflict
	ErrTooOldResourceVersion   = errors.New("too old resource version")   // 410 Gone / Expired
	ErrInvalidContinue         = errors.New("invalid continue token")     // 400 BadRequest
	ErrTooLargeResourceVersion = errors.New("too large resource version") // 504 Timeout, retry
	ErrInvalidResourceVersion  = errors.New("invalid resource version")   // 400 BadRequest
)

// Error is a storage failure on one key. Test its kind with errors.Is against
// the Err* values.
type Error struct {
	Kind            error
	Key             string
	ResourceVersion int64
	Detail          string
	// Continue is set on ErrTooOldResourceVersion from a paged list whose
	// continue token's revision was compacted: a token that continues the
	// same list at the newest revision (an inconsistent list), for the 410
	// Status's metadata.continue.
	Continue string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%v: %s", e.Kind, e.Key)
	if e.ResourceVersion != 0 {
		msg += fmt.Sprintf(" (resourceVersion %d)", e.ResourceVersion)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap lets errors.Is match the kind.
func (e *Error) Unwrap() error { return e.Kind }

// NewError returns an *Error of the given kind.
func NewError(kind error, key string, rv int64, detail string) error {
	return &Error{Kind: kind, Key: key, ResourceVersion: rv, Detail: detail}
}
