package responsewriters

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/storage"
)

// OptimisticLockErrorMsg is the upstream message of a resourceVersion
// conflict; clients (kubectl edit, retry helpers) show it verbatim.
const OptimisticLockErrorMsg = "the object has been modified; please apply your changes to the latest version and try again"

const (
	// watchTooOldMsg is the message of a 410 for a watch whose
	// resourceVersion was compacted away when storage gave no detail.
	watchTooOldMsg = "The resourceVersion for the provided watch is too old."
	// listTooOldMsg is the same for a list.
	listTooOldMsg = "The resourceVersion for the provided list is too old."
	// tooLargeCauseMsg is the cause message client-go's reflector looks for
	// to fall back to a list at the newest revision.
	tooLargeCauseMsg = "Too large resource version"
	// tooLargeRetrySeconds is how long clients are asked to wait before
	// retrying a read at a revision the server has not seen yet.
	tooLargeRetrySeconds = 1
)

// InterpretStorageError turns a *storage.Error (or an error wrapping one)
// into the API status error upstream returns for it, naming the object by
// its group resource and name. Other errors are returned unchanged.
func InterpretStorageError(err error, gr schema.GroupResource, name string) error {
	return interpret(err, gr, name, false)
}

// InterpretWatchError is InterpretStorageError for the start of a watch:
// a too old resourceVersion gets the watch wording.
func InterpretWatchError(err error, gr schema.GroupResource, name string) error {
	return interpret(err, gr, name, true)
}

func interpret(err error, gr schema.GroupResource, name string, watch bool) error {
	if err == nil {
		return nil
	}
	var se *storage.Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, storage.ErrKeyNotFound):
		return apierrors.NewNotFound(gr, name)
	case errors.Is(err, storage.ErrKeyExists):
		return apierrors.NewAlreadyExists(gr, name)
	case errors.Is(err, storage.ErrConflict):
		msg := OptimisticLockErrorMsg
		if se.Detail != "" {
			msg = se.Detail
		}
		return apierrors.NewConflict(gr, name, errors.New(msg))
	case errors.Is(err, storage.ErrUIDMismatch):
		msg := se.Detail
		if msg == "" {
			msg = "Precondition failed: UID mismatch"
		}
		return apierrors.NewConflict(gr, name, errors.New(msg))
	case errors.Is(err, storage.ErrTooOldResourceVersion):
		msg := se.Detail
		if msg == "" {
			msg = listTooOldMsg
			if watch {
				msg = watchTooOldMsg
			}
		}
		e := apierrors.NewResourceExpired(msg)
		e.ErrStatus.ListMeta.Continue = se.Continue
		return e
	case errors.Is(err, storage.ErrInvalidContinue):
		return apierrors.NewBadRequest(detailOr(se, "continue key is not valid"))
	case errors.Is(err, storage.ErrInvalidResourceVersion):
		return apierrors.NewBadRequest(detailOr(se, "invalid resource version"))
	case errors.Is(err, storage.ErrTooLargeResourceVersion):
		msg := se.Detail
		if msg == "" {
			msg = fmt.Sprintf("%s: %d", tooLargeCauseMsg, se.ResourceVersion)
		}
		e := apierrors.NewTimeoutError(msg, tooLargeRetrySeconds)
		e.ErrStatus.Details.Causes = []metav1.StatusCause{{
			Type:    metav1.CauseTypeResourceVersionTooLarge,
			Message: tooLargeCauseMsg,
		}}
		return e
	}
	return err
}

func detailOr(se *storage.Error, fallback string) string {
	if se.Detail != "" {
		return se.Detail
	}
	return fallback
}

// statusError is an API error built here (406, 415) with exactly the
// upstream Status.
type statusError struct{ status metav1.Status }

func (e *statusError) Error() string         { return e.status.Message }
func (e *statusError) Status() metav1.Status { return e.status }

// NewNotAcceptableError is the 406 for an Accept header the server cannot
// satisfy.
func NewNotAcceptableError(accepted []string) error {
	return &statusError{metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotAcceptable,
		Reason:  metav1.StatusReasonNotAcceptable,
		Message: "only the following media types are accepted: " + strings.Join(accepted, ", "),
	}}
}

// NewNotAcceptableMessage is a 406 with a specific message (a conversion
// the object does not support).
func NewNotAcceptableMessage(msg string) error {
	return &statusError{metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotAcceptable,
		Reason:  metav1.StatusReasonNotAcceptable,
		Message: msg,
	}}
}

// NewUnsupportedMediaTypeError is the 415 for a request body in a format
// the server does not decode.
func NewUnsupportedMediaTypeError(accepted []string) error {
	return NewUnsupportedMediaTypeMessage("the body of the request was in an unknown format - accepted media types include: " +
		strings.Join(accepted, ", "))
}

// NewUnsupportedMediaTypeMessage is a 415 with a specific message.
func NewUnsupportedMediaTypeMessage(msg string) error {
	return &statusError{metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnsupportedMediaType,
		Reason:  metav1.StatusReasonUnsupportedMediaType,
		Message: msg,
	}}
}

// ErrorToStatus returns the Status written for err: API statuses as they
// are (codes defaulted), context timeouts as 504, anything else as a 500
// carrying err's text.
func ErrorToStatus(err error) *metav1.Status {
	var as apierrors.APIStatus
	if errors.As(err, &as) {
		st := as.Status()
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		if st.Code == 0 {
			if st.Status == metav1.StatusSuccess {
				st.Code = http.StatusOK
			} else {
				st.Code = http.StatusInternalServerError
			}
		}
		st.Kind, st.APIVersion = "Status", "v1"
		return &st
	}
	if errors.Is(err, context.DeadlineExceeded) {
		st := apierrors.NewTimeoutError("request did not complete within requested timeout - "+err.Error(), 0).Status()
		st.Kind, st.APIVersion = "Status", "v1"
		return &st
	}
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusInternalServerError,
		Reason:   metav1.StatusReasonUnknown,
		Message:  err.Error(),
	}
}
