package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/authn"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// scope is one request against one endpoint.
type scope struct {
	ep   *endpoint
	info *request.Info
	// namespace is the request namespace ("" for cluster-scoped resources
	// and all-namespace lists); name the object name from the URL.
	namespace string
	name      string
	user      *authn.User
	// out is the negotiated response form; table holds ?includeObject when
	// out converts to a Table.
	out   responsewriters.Target
	table *metav1.TableOptions
	// warnings are sent as Warning headers with the response.
	warnings []string
}

func (h *Handler) newScope(r *http.Request, ep *endpoint, info *request.Info) (*scope, error) {
	s := &scope{ep: ep, info: info, name: info.Name, user: request.UserFrom(r.Context())}
	if ep.res.Namespaced {
		s.namespace = info.Namespace
		// Only list and watch span all namespaces.
		if s.namespace == "" && info.Verb != "list" && info.Verb != "watch" {
			return nil, notFound()
		}
	} else if info.Namespace != "" && ep.gr != namespacesGR {
		return nil, notFound()
	}
	if info.Verb == "watch" {
		// Watches negotiate a stream serializer when they start.
		return s, nil
	}
	if err := s.negotiate(r, false); err != nil {
		return nil, err
	}
	return s, nil
}

// negotiate picks the response form from the Accept header.
func (s *scope) negotiate(r *http.Request, stream bool) error {
	allow := s.allowConvert()
	var (
		t   responsewriters.Target
		err error
	)
	if stream {
		t, err = responsewriters.NegotiateStream(r, allow)
	} else {
		t, err = responsewriters.NegotiateOutput(r, allow)
	}
	if err != nil {
		return err
	}
	s.out = t
	if t.Convert != nil && t.Convert.Kind == "Table" {
		opts := &metav1.TableOptions{}
		if err := apischeme.ParameterCodec.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, opts); err != nil {
			return apierrors.NewBadRequest(err.Error())
		}
		switch errs := metav1validation.ValidateTableOptions(opts); len(errs) {
		case 0:
		case 1:
			return apierrors.NewBadRequest(fmt.Sprintf("Unable to convert to Table as requested: %v", errs[0].Error()))
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("Unable to convert to Table as requested: %v", errs))
		}
		s.table = opts
	}
	return nil
}

// allowConvert is the endpoint's answer to meta.k8s.io conversions: Table
// (JSON and YAML only) and PartialObjectMetadata(List).
func (s *scope) allowConvert() responsewriters.AllowConvert {
	return func(info runtime.SerializerInfo, target schema.GroupVersionKind) bool {
		if target.Group != metav1.GroupName || (target.Version != "v1" && target.Version != "v1beta1") {
			return false
		}
		switch target.Kind {
		case "Table":
			return info.MediaType == runtime.ContentTypeJSON || info.MediaType == runtime.ContentTypeYAML
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			return true
		}
		return false
	}
}

// subGR names a subresource in errors ("pods/status").
func (s *scope) subGR() schema.GroupResource {
	return schema.GroupResource{Group: s.ep.gr.Group, Resource: s.ep.gr.Resource + "/" + s.info.Subresource}
}

// key is the storage key of the named object in the request namespace.
func (s *scope) key(name string) string { return s.ep.key(s.namespace, name) }

// groupKind is the kind validation errors name.
func (s *scope) groupKind() schema.GroupKind { return s.ep.gvk.GroupKind() }

// fail writes err, mapping storage errors with the request's resource and
// name.
func (s *scope) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = responsewriters.InterpretStorageError(err, s.ep.gr, s.name)
	responsewriters.AddWarnings(w, s.warnings...)
	responsewriters.WriteError(w, r, err)
}

// write renders a stored-version object (or list, or Status) the way the
// client asked and writes it.
func (s *scope) write(w http.ResponseWriter, r *http.Request, code int, stored runtime.Object) {
	out, err := s.render(stored)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeRendered(w, code, out)
}

// writeRendered writes an object that already is in its final form.
func (s *scope) writeRendered(w http.ResponseWriter, code int, obj runtime.Object) {
	responsewriters.AddWarnings(w, s.warnings...)
	responsewriters.Write(w, code, obj, s.out)
}

// warn queues Warning headers.
func (s *scope) warn(msgs ...string) { s.warnings = append(s.warnings, msgs...) }

// admissionAttrs describes a write for the admission chain. Object and
// OldObject are in the stored version, and so are Kind and Resource.
func (s *scope) admissionAttrs(op admission.Operation, obj, old runtime.Object, name string, dryRun bool) *admission.Attributes {
	return &admission.Attributes{
		Operation:   op,
		Kind:        s.ep.storageGVK,
		Resource:    s.ep.res.StorageGroupVersion().WithResource(s.ep.res.Resource),
		Subresource: s.info.Subresource,
		Namespace:   s.namespace,
		Name:        name,
		Object:      obj,
		OldObject:   old,
		User:        s.user,
		DryRun:      dryRun,
	}
}

// admit runs the admission chain and returns the (possibly replaced)
// object.
func (h *Handler) admit(ctx context.Context, attrs *admission.Attributes) (runtime.Object, error) {
	if h.admission == nil {
		return attrs.Object, nil
	}
	if err := h.admission.Admit(ctx, attrs); err != nil {
		var status apierrors.APIStatus
		if !errors.As(err, &status) {
			gr := schema.GroupResource{Group: attrs.Resource.Group, Resource: attrs.Resource.Resource}
			return nil, apierrors.NewForbidden(gr, attrs.Name, err)
		}
		return nil, err
	}
	return attrs.Object, nil
}
