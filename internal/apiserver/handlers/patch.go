package handlers

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// supportedPatchTypes are the patch media types PATCH accepts.
var supportedPatchTypes = []string{
	string(types.JSONPatchType),
	string(types.MergePatchType),
	string(types.StrategicMergePatchType),
	string(types.ApplyYAMLPatchType),
}

// maxJSONPatchOperations is upstream's cap on a JSON patch's length.
const maxJSONPatchOperations = 10000

// patchType reads the patch type from Content-Type, 415 when unsupported.
func patchType(r *http.Request) (types.PatchType, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil {
		for _, t := range supportedPatchTypes {
			if mt == t {
				return types.PatchType(mt), nil
			}
		}
	}
	return "", responsewriters.NewUnsupportedMediaTypeError(supportedPatchTypes)
}

// readPatch reads a PATCH request: its patch type, validated options and
// body, an apply configuration already converted from YAML to JSON.
func readPatch(r *http.Request) (types.PatchType, *metav1.PatchOptions, []byte, error) {
	pt, err := patchType(r)
	if err != nil {
		return "", nil, nil, err
	}
	opts, err := patchOptions(r, pt)
	if err != nil {
		return "", nil, nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return "", nil, nil, err
	}
	if pt == types.ApplyYAMLPatchType {
		if body, err = yamlToJSON(body); err != nil {
			return "", nil, nil, err
		}
	}
	return pt, opts, body, nil
}

// patch serves PATCH on an object or its status: JSON patch, JSON merge
// patch, strategic merge patch against the served-version type, and
// apply patches (see applyPatch).
func (h *Handler) patch(w http.ResponseWriter, r *http.Request, s *scope, kind updateKind) {
	pt, opts, body, err := readPatch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	directive := fieldValidation(opts.FieldValidation)
	apply := pt == types.ApplyYAMLPatchType
	var applied runtime.Object
	if apply {
		if applied, err = s.decodeApplied(body, directive); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var warnings []string
	out, created, err := h.updateStored(r.Context(), s, updateSpec{
		kind:        kind,
		allowCreate: apply && kind == updateMain,
		dryRun:      isDryRun(opts.DryRun),
		newObject: func(_ context.Context, current runtime.Object) (runtime.Object, error) {
			warnings = nil
			var obj runtime.Object
			cm, err := accessor(current)
			if err != nil {
				return nil, err
			}
			if apply && cm.GetResourceVersion() == "" {
				obj = applied.DeepCopyObject()
			} else {
				served, err := s.ep.served(current)
				if err != nil {
					return nil, err
				}
				ptype := pt
				if apply {
					// Server-side apply approximation: the applied
					// configuration is merged into the object as a
					// strategic merge patch (no field ownership).
					ptype = types.StrategicMergePatchType
				}
				obj, warnings, err = s.applyPatch(ptype, served, body, directive)
				if err != nil {
					return nil, err
				}
			}
			return s.ep.toStorage(obj)
		},
	})
	s.warn(warnings...)
	s.writeUpdated(w, r, out, created, err)
}

// decodeApplied decodes an apply configuration (JSON) as a served object
// of the endpoint named by the URL.
func (s *scope) decodeApplied(body []byte, directive string) (runtime.Object, error) {
	info, _ := responsewriters.SerializerFor(runtime.ContentTypeJSON)
	into, err := s.ep.newServed()
	if err != nil {
		return nil, err
	}
	obj, warnings, err := decodeObject(body, info, directive, s.ep.gvk, into)
	if err != nil {
		return nil, err
	}
	s.warn(warnings...)
	if err := s.checkIdentity(obj, true); err != nil {
		return nil, err
	}
	return obj, nil
}

// applyPatch patches the JSON of a served-version object and decodes the
// result (strictly, per directive) into a new served-version object.
// current must be the caller's own copy: patches naming only top-level
// fields change it in place (see patchFields).
func (s *scope) applyPatch(pt types.PatchType, current runtime.Object, patch []byte, directive string) (runtime.Object, []string, error) {
	if obj, warnings, handled, err := s.patchFields(pt, current, patch, directive); handled {
		return obj, warnings, err
	}
	return s.patchWhole(pt, current, patch, directive)
}

// patchWhole patches the JSON of the whole object and decodes the result.
func (s *scope) patchWhole(pt types.PatchType, current runtime.Object, patch []byte, directive string) (runtime.Object, []string, error) {
	info, _ := responsewriters.SerializerFor(runtime.ContentTypeJSON)
	original, err := runtime.Encode(info.Serializer, current)
	if err != nil {
		return nil, nil, err
	}
	schemaObj, err := s.ep.newServed()
	if err != nil {
		return nil, nil, err
	}
	patched, err := patchJSON(pt, original, patch, schemaObj)
	if err != nil {
		return nil, nil, err
	}
	into, err := s.ep.newServed()
	if err != nil {
		return nil, nil, err
	}
	return decodeObject(patched, info, directive, s.ep.gvk, into)
}

// patchJSON applies a patch of type pt to original; schemaObj is the Go
// type strategic merge patches take their merge rules from.
func patchJSON(pt types.PatchType, original, patch []byte, schemaObj interface{}) ([]byte, error) {
	switch pt {
	case types.JSONPatchType:
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(ops) > maxJSONPatchOperations {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
				"The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(ops)))
		}
		out, err := ops.Apply(original)
		if err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(original, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	case types.StrategicMergePatchType:
		out, err := strategicpatch.StrategicMergePatch(original, patch, schemaObj)
		if err != nil {
			return nil, strategicPatchError(err)
		}
		return out, nil
	}
	return nil, responsewriters.NewUnsupportedMediaTypeError(supportedPatchTypes)
}

// strategicPatchError maps strategic merge patch failures as upstream: a
// malformed patch is a 400, a patch the merge rules cannot apply a 422.
func strategicPatchError(err error) error {
	switch {
	case errors.Is(err, mergepatch.ErrNoListOfLists), errors.Is(err, mergepatch.ErrPatchContentNotMatchRetainKeys):
		return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
	}
	return apierrors.NewBadRequest(err.Error())
}

// yamlToJSON converts an apply body (YAML or JSON) to JSON.
func yamlToJSON(body []byte) ([]byte, error) {
	out, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	return out, nil
}
