package handlers

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/apischeme"
)

// optionsGV is where the option kinds (CreateOptions, ListOptions, ...)
// and their query-parameter conversions are registered.
var optionsGV = schema.GroupVersion{Version: "v1"}

// decodeQuery fills an option struct from the query string.
func decodeQuery(r *http.Request, into runtime.Object) error {
	if err := apischeme.ParameterCodec.DecodeParameters(r.URL.Query(), optionsGV, into); err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	return nil
}

// invalidOptions is upstream's 422 for bad option values.
func invalidOptions(kind string, errs field.ErrorList) error {
	return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: kind}, "", errs)
}

// fieldValidation returns the effective fieldValidation directive: the
// server default is Warn.
func fieldValidation(v string) string {
	if v == "" {
		return metav1.FieldValidationWarn
	}
	return v
}

// isDryRun reports whether dryRun asks for no persistence (validated to
// only hold "All").
func isDryRun(dryRun []string) bool { return len(dryRun) > 0 }

// createOptions reads and validates a write's CreateOptions from the query.
func createOptions(r *http.Request) (*metav1.CreateOptions, error) {
	opts := &metav1.CreateOptions{}
	if err := decodeQuery(r, opts); err != nil {
		return nil, err
	}
	if errs := metav1validation.ValidateCreateOptions(opts); len(errs) > 0 {
		return nil, invalidOptions("CreateOptions", errs)
	}
	return opts, nil
}

// updateOptions reads and validates a write's UpdateOptions from the query.
func updateOptions(r *http.Request) (*metav1.UpdateOptions, error) {
	opts := &metav1.UpdateOptions{}
	if err := decodeQuery(r, opts); err != nil {
		return nil, err
	}
	if errs := metav1validation.ValidateUpdateOptions(opts); len(errs) > 0 {
		return nil, invalidOptions("UpdateOptions", errs)
	}
	return opts, nil
}

// patchOptions reads and validates PatchOptions from the query; which
// options are valid depends on the patch type.
func patchOptions(r *http.Request, pt types.PatchType) (*metav1.PatchOptions, error) {
	opts := &metav1.PatchOptions{}
	if err := decodeQuery(r, opts); err != nil {
		return nil, err
	}
	if errs := metav1validation.ValidatePatchOptions(opts, pt); len(errs) > 0 {
		return nil, invalidOptions("PatchOptions", errs)
	}
	return opts, nil
}

// deleteOptions reads DeleteOptions (see decodeDeleteOptions) and
// validates them.
func deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts, err := decodeDeleteOptions(r)
	if err != nil {
		return nil, err
	}
	if errs := metav1validation.ValidateDeleteOptions(opts); len(errs) > 0 {
		return nil, invalidOptions("DeleteOptions", errs)
	}
	return opts, nil
}

// decodeDeleteOptions reads DeleteOptions from the body when there is one
// (any group's or meta.k8s.io's DeleteOptions kind), else from the query.
func decodeDeleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		opts := &metav1.DeleteOptions{}
		if err := decodeQuery(r, opts); err != nil {
			return nil, err
		}
		return opts, nil
	}
	info, err := inputSerializer(r)
	if err != nil {
		return nil, err
	}
	defaultGVK := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
	obj, _, err := info.Serializer.Decode(body, &defaultGVK, &metav1.DeleteOptions{})
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	opts, ok := obj.(*metav1.DeleteOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("decoded object cannot be converted to DeleteOptions (got %T)", obj))
	}
	return opts, nil
}
