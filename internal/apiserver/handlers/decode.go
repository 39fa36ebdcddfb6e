package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// maxBodyBytes is upstream's limit on a request body (3 MiB).
const maxBodyBytes = 3 * 1024 * 1024

// readBody reads the whole request body, 413 when it is over the limit.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	defer r.Body.Close()
	if n := r.ContentLength; n > 0 && n <= maxBodyBytes {
		// The usual case: read into a buffer of the announced size at once.
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("reading request body: %v", err))
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("reading request body: %v", err))
	}
	if len(body) > maxBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
	}
	return body, nil
}

// inputSerializer picks the body decoder from Content-Type (415 otherwise).
func inputSerializer(r *http.Request) (runtime.SerializerInfo, error) {
	return responsewriters.NegotiateInput(r)
}

// decodeObject decodes body (in the serialization info describes) into
// into, an empty object of kind want. directive is the fieldValidation
// mode: Strict fails on unknown or duplicate fields, Warn returns them as
// warnings, Ignore drops them.
func decodeObject(body []byte, info runtime.SerializerInfo, directive string, want schema.GroupVersionKind, into runtime.Object) (runtime.Object, []string, error) {
	decoder := info.Serializer
	if directive != metav1.FieldValidationIgnore && info.StrictSerializer != nil {
		decoder = info.StrictSerializer
	}
	obj, gvk, err := decoder.Decode(body, &want, into)
	var warnings []string
	if err != nil {
		strictErr, isStrict := runtime.AsStrictDecodingError(err)
		switch {
		case isStrict && obj != nil && directive == metav1.FieldValidationWarn:
			for _, e := range strictErr.Errors() {
				warnings = append(warnings, e.Error())
			}
		case isStrict && obj != nil && directive == metav1.FieldValidationIgnore:
		default:
			return nil, nil, decodeError(err, gvk, want, body)
		}
	}
	if gvk != nil && gvk.GroupVersion() != want.GroupVersion() {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the API version in the data (%s) does not match the expected API version (%v)", gvk.GroupVersion(), want.GroupVersion()))
	}
	if reflect.TypeOf(obj) != reflect.TypeOf(into) {
		kind := ""
		if gvk != nil {
			kind = gvk.Kind
		}
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
			"%s in version %q cannot be handled as a %s: the object is of the wrong kind", kind, want.Version, want.Kind))
	}
	return obj, warnings, nil
}

// decodeError words a decoding failure as upstream does.
func decodeError(err error, gvk *schema.GroupVersionKind, want schema.GroupVersionKind, body []byte) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	if gvk != nil && gvk.Kind != "" {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, want.Kind, err))
	}
	summary := string(body)
	if len(summary) > 30 {
		summary = summary[:30] + "..."
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the object provided is unrecognized (must be of type %s): %v (%s)", want.Kind, err, summary))
}

// readInput reads the request body and picks its decoder from
// Content-Type.
func readInput(r *http.Request) ([]byte, runtime.SerializerInfo, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, runtime.SerializerInfo{}, err
	}
	info, err := inputSerializer(r)
	if err != nil {
		return nil, runtime.SerializerInfo{}, err
	}
	return body, info, nil
}

// decodeBodyAs reads and decodes the request body into into, an empty
// object of kind want, queuing strict-decoding warnings on s.
func (s *scope) decodeBodyAs(r *http.Request, directive string, want schema.GroupVersionKind, into runtime.Object) (runtime.Object, error) {
	body, info, err := readInput(r)
	if err != nil {
		return nil, err
	}
	obj, warnings, err := decodeObject(body, info, directive, want, into)
	if err != nil {
		return nil, err
	}
	s.warn(warnings...)
	return obj, nil
}

// decodeBody reads and decodes the request body as a served-version
// object of the endpoint.
func (s *scope) decodeBody(r *http.Request, directive string) (runtime.Object, error) {
	into, err := s.ep.newServed()
	if err != nil {
		return nil, err
	}
	return s.decodeBodyAs(r, directive, s.ep.gvk, into)
}

// decodeWrite decodes the body of a create or update and returns it as a
// defaulted stored-version object. See checkIdentity for matchName.
func (s *scope) decodeWrite(r *http.Request, directive string, matchName bool) (runtime.Object, error) {
	obj, err := s.decodeBody(r, directive)
	if err != nil {
		return nil, err
	}
	if err := s.checkIdentity(obj, matchName); err != nil {
		return nil, err
	}
	return s.ep.toStorage(obj)
}

// checkIdentity checks that a written object belongs where the URL puts
// it: its namespace (filled in when empty) and, with matchName, its name.
func (s *scope) checkIdentity(obj runtime.Object, matchName bool) error {
	m, err := accessor(obj)
	if err != nil {
		return err
	}
	if matchName && m.GetName() != s.name {
		return apierrors.NewBadRequest(fmt.Sprintf(
			"the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), s.name))
	}
	return s.ensureNamespace(m)
}
