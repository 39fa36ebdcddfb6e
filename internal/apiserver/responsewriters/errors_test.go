package responsewriters

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/storage"
)

func TestInterpretStorageError(t *testing.T) {
	deployments := schema.GroupResource{Group: "apps", Resource: "deployments"}
	tests := []struct {
		name    string
		err     error
		code    int32
		reason  metav1.StatusReason
		message string
	}{
		{"not found", storage.NewError(storage.ErrKeyNotFound, "/k", 0, ""), 404, metav1.StatusReasonNotFound, `deployments.apps "web" not found`},
		{"exists", storage.NewError(storage.ErrKeyExists, "/k", 0, ""), 409, metav1.StatusReasonAlreadyExists, `deployments.apps "web" already exists`},
		{"conflict", storage.NewError(storage.ErrConflict, "/k", 0, ""), 409, metav1.StatusReasonConflict,
			`Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`},
		{"wrapped conflict", fmt.Errorf("update: %w", storage.NewError(storage.ErrConflict, "/k", 0, "")), 409, metav1.StatusReasonConflict,
			`Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`},
		{"too old", storage.NewError(storage.ErrTooOldResourceVersion, "/k", 5, "The resourceVersion for the provided list is too old."), 410, metav1.StatusReasonExpired,
			"The resourceVersion for the provided list is too old."},
		{"bad continue", storage.NewError(storage.ErrInvalidContinue, "/k", 0, "continue key is not valid: x"), 400, metav1.StatusReasonBadRequest, "continue key is not valid: x"},
		{"too large", storage.NewError(storage.ErrTooLargeResourceVersion, "/k", 9, "Too large resource version: 9, current: 5"), 504, metav1.StatusReasonTimeout,
			"Timeout: Too large resource version: 9, current: 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := ErrorToStatus(InterpretStorageError(tc.err, deployments, "web"))
			if st.Code != tc.code || st.Reason != tc.reason || st.Message != tc.message {
				t.Fatalf("got %d %s %q", st.Code, st.Reason, st.Message)
			}
		})
	}
	tooLarge := ErrorToStatus(InterpretStorageError(storage.NewError(storage.ErrTooLargeResourceVersion, "/k", 9, "x"), deployments, "web"))
	if tooLarge.Details.RetryAfterSeconds != 1 || tooLarge.Details.Causes[0].Type != metav1.CauseTypeResourceVersionTooLarge {
		t.Fatalf("too large details: %+v", tooLarge.Details)
	}
	plain := errors.New("boom")
	if got := InterpretStorageError(plain, deployments, "web"); got != plain {
		t.Fatalf("non-storage error changed: %v", got)
	}
}

func TestWriteError(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/v1/namespaces/ns/pods/p", nil)
	r = r.WithContext(request.WithInfo(r.Context(), &request.Info{IsResourceRequest: true, APIVersion: "v1", Resource: "pods", Name: "p"}))
	w := httptest.NewRecorder()
	WriteError(w, r, storage.NewError(storage.ErrKeyNotFound, "/registry/pods/ns/p", 0, ""))
	var st metav1.Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if w.Code != 404 || st.Kind != "Status" || st.APIVersion != "v1" || st.Message != `pods "p" not found` || st.Details.Name != "p" || st.Details.Kind != "pods" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}

	w = httptest.NewRecorder()
	WriteError(w, r, apierrors.NewTooManyRequests("slow down", 7))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" {
		t.Fatalf("429: %d %v", w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	WriteError(w, r, errors.New("boom"))
	if w.Code != 500 {
		t.Fatalf("plain error: %d", w.Code)
	}
}

func TestAddWarnings(t *testing.T) {
	w := httptest.NewRecorder()
	AddWarnings(w, `unknown field "spec.foo"`, `unknown field "spec.foo"`, "")
	if got := w.Header().Values("Warning"); len(got) != 1 || got[0] != `299 - "unknown field \"spec.foo\""` {
		t.Fatalf("warnings: %q", got)
	}
}
