package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/apiserver/admission"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/storage"
)

// Config is what the handlers need: the served resources, their storage
// and the admission chain.
type Config struct {
	Resources []*registry.Resource
	// StorageFor returns the (watch-cache backed) storage of a resource.
	StorageFor func(*registry.Resource) storage.Interface
	// Admission may be nil (admit everything).
	Admission *admission.Chain
	// Kubelet says how to reach kubelets for pods/log, exec, attach,
	// portforward and nodes/proxy; nil answers those with 503.
	Kubelet *KubeletClientConfig
}

// Handler serves resource requests. It expects request.Info (and the user)
// in the request context.
type Handler struct {
	endpoints map[schema.GroupVersionResource]*endpoint
	admission *admission.Chain
	// pods serves the core/v1 bindings collection; pdbs is read by evictions.
	pods *endpoint
	pdbs *endpoint
	log  *slog.Logger
	// kubelet reaches node agents; nil when not configured.
	kubelet *kubeletClient
}

// endpoint is one served resource with its storage.
type endpoint struct {
	res   *registry.Resource
	store storage.Interface
	// gvk and listGVK are the served kinds; storageGVK the stored one.
	gvk        schema.GroupVersionKind
	listGVK    schema.GroupVersionKind
	storageGVK schema.GroupVersionKind
	gr         schema.GroupResource
	// fieldLabels are the field selector keys the kind supports.
	fieldLabels map[string]bool
	// returnDeleted: DELETE answers with the deleted object rather than a
	// Status (upstream does this for a few core kinds).
	returnDeleted bool
	// encoded shares watch event encodings between the endpoint's watchers.
	encoded *encodedObjects
}

// returnDeletedObject lists the resources whose DELETE returns the object,
// as upstream's REST storage does; everything else returns a Status.
var returnDeletedObject = map[schema.GroupResource]bool{
	{Resource: "pods"}:                   true,
	{Resource: "services"}:               true,
	{Resource: "namespaces"}:             true,
	{Resource: "persistentvolumes"}:      true,
	{Resource: "persistentvolumeclaims"}: true,
	{Resource: "podtemplates"}:           true,
}

// New builds the handler for cfg's resources.
func New(cfg Config) (*Handler, error) {
	if cfg.StorageFor == nil {
		return nil, errors.New("handlers: StorageFor is required")
	}
	h := &Handler{
		endpoints: map[schema.GroupVersionResource]*endpoint{},
		admission: cfg.Admission,
		log:       slog.Default().With("component", "apiserver-handlers"),
		kubelet:   newKubeletClient(cfg.Kubelet),
	}
	for _, res := range cfg.Resources {
		if res != nil && res.StoragePrefix == "" {
			// Nothing stored (virtual resources such as bindings or
			// reviews): not served by these handlers.
			continue
		}
		ep, err := newEndpoint(res, cfg.StorageFor)
		if err != nil {
			return nil, err
		}
		gvr := res.GroupVersionResource()
		if _, dup := h.endpoints[gvr]; dup {
			return nil, fmt.Errorf("handlers: resource %v registered twice", gvr)
		}
		h.endpoints[gvr] = ep
		switch {
		case ep.gr == podsGR && res.GroupVersion.Version == "v1":
			h.pods = ep
		case ep.gr == pdbGR && (h.pdbs == nil || res.StorageGroupVersion() == res.GroupVersion):
			h.pdbs = ep
		}
	}
	return h, nil
}

func newEndpoint(res *registry.Resource, storageFor func(*registry.Resource) storage.Interface) (*endpoint, error) {
	if res == nil || res.Strategy == nil || res.New == nil || res.NewList == nil {
		return nil, fmt.Errorf("handlers: resource %v lacks New, NewList or Strategy", describe(res))
	}
	if res.GroupVersion.Version == "" || res.Resource == "" || res.Kind == "" {
		return nil, fmt.Errorf("handlers: resource %v lacks a version, resource or kind name", describe(res))
	}
	if (res.ToStorage == nil) != (res.FromStorage == nil) {
		return nil, fmt.Errorf("handlers: resource %v sets only one of ToStorage/FromStorage", describe(res))
	}
	ep := &endpoint{
		res:           res,
		gvk:           res.GroupVersionKind(),
		listGVK:       res.GroupVersion.WithKind(res.ListKindName()),
		storageGVK:    res.StorageGroupVersion().WithKind(res.Kind),
		gr:            res.GroupResource(),
		fieldLabels:   map[string]bool{},
		returnDeleted: returnDeletedObject[res.GroupResource()],
		encoded:       newEncodedObjects(),
	}
	if ep.store = storageFor(res); ep.store == nil {
		return nil, fmt.Errorf("handlers: no storage for resource %v", describe(res))
	}
	if _, err := apischeme.Scheme.New(ep.gvk); err != nil && res.ToStorage != nil {
		return nil, fmt.Errorf("handlers: served kind %v is not in the scheme: %w", ep.gvk, err)
	}
	_, fields, err := res.Strategy.Attrs(res.New())
	if err != nil {
		return nil, fmt.Errorf("handlers: field labels of %v: %w", describe(res), err)
	}
	for k := range fields {
		ep.fieldLabels[k] = true
	}
	return ep, nil
}

func describe(res *registry.Resource) string {
	if res == nil {
		return "<nil>"
	}
	return res.GroupVersionResource().String()
}

var (
	podsGR       = schema.GroupResource{Resource: "pods"}
	namespacesGR = schema.GroupResource{Resource: "namespaces"}
	csrGR        = schema.GroupResource{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}
	pdbGR        = schema.GroupResource{Group: "policy", Resource: "poddisruptionbudgets"}
	bindingsGR   = schema.GroupResource{Resource: "bindings"}
)

// notFound is upstream's answer for a path no endpoint serves.
func notFound() error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "", "", 0, false)
}

// ServeHTTP serves one resource request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := request.InfoFrom(r.Context())
	if info == nil || !info.IsResourceRequest {
		responsewriters.WriteError(w, r, notFound())
		return
	}
	gvr := schema.GroupVersionResource{Group: info.APIGroup, Version: info.APIVersion, Resource: info.Resource}
	ep := h.endpoints[gvr]
	if h.pods != nil && gvr.GroupResource() == bindingsGR && info.APIVersion == "v1" {
		// POST /api/v1/namespaces/{ns}/bindings binds the pod the body names.
		h.serveBindings(w, r, info)
		return
	}
	if ep == nil {
		responsewriters.WriteError(w, r, notFound())
		return
	}
	s, err := h.newScope(r, ep, info)
	if err != nil {
		responsewriters.WriteError(w, r, err)
		return
	}
	h.dispatch(w, r, s)
}

func (h *Handler) dispatch(w http.ResponseWriter, r *http.Request, s *scope) {
	verb := s.info.Verb
	if sub := s.info.Subresource; sub != "" && !s.ep.servesSubresource(sub) {
		s.fail(w, r, notFound())
		return
	}
	switch s.info.Subresource {
	case "":
		if !s.ep.allowsVerb(verb) || (s.name == "" && (verb == "get" || verb == "update" || verb == "patch" || verb == "delete")) {
			s.fail(w, r, apierrors.NewMethodNotSupported(s.ep.gr, verb))
			return
		}
		switch verb {
		case "get":
			h.get(w, r, s)
		case "list":
			h.list(w, r, s)
		case "watch":
			h.watch(w, r, s)
		case "create":
			if s.name != "" {
				s.fail(w, r, apierrors.NewMethodNotSupported(s.ep.gr, verb))
				return
			}
			h.create(w, r, s)
		case "update":
			h.update(w, r, s, updateMain)
		case "patch":
			h.patch(w, r, s, updateMain)
		case "delete":
			h.delete(w, r, s)
		case "deletecollection":
			h.deleteCollection(w, r, s)
		default:
			s.fail(w, r, apierrors.NewMethodNotSupported(s.ep.gr, verb))
		}
	case "status":
		h.servePart(w, r, s, updateStatus)
	case "ephemeralcontainers":
		h.servePart(w, r, s, updateEphemeral)
	case "approval":
		h.servePart(w, r, s, updateApproval)
	case "log":
		if s.onlyVerb(w, r, "get") {
			h.getPodLog(w, r, s)
		}
	case "exec", "attach", "portforward":
		if s.info.Verb != "get" && s.info.Verb != "create" {
			s.fail(w, r, apierrors.NewMethodNotSupported(s.subGR(), s.info.Verb))
			return
		}
		h.connectPod(w, r, s)
	case "proxy":
		h.proxyNode(w, r, s)
	case "scale":
		switch verb {
		case "get":
			h.getScale(w, r, s)
		case "update":
			h.updateScale(w, r, s)
		case "patch":
			h.patchScale(w, r, s)
		default:
			s.fail(w, r, apierrors.NewMethodNotSupported(s.subGR(), verb))
		}
	case "binding":
		if s.onlyVerb(w, r, "create") {
			h.createBinding(w, r, s)
		}
	case "eviction":
		if s.onlyVerb(w, r, "create") {
			h.createEviction(w, r, s)
		}
	case "finalize":
		if s.onlyVerb(w, r, "update") {
			h.update(w, r, s, updateFinalize)
		}
	default:
		s.fail(w, r, notFound())
	}
}

// servesSubresource reports whether the endpoint has the subresource sub.
func (ep *endpoint) servesSubresource(sub string) bool {
	switch sub {
	case "status":
		return ep.res.Status
	case "scale":
		return ep.res.Scale != nil
	case "binding", "eviction", "ephemeralcontainers", "log", "exec", "attach", "portforward":
		return ep.gr == podsGR
	case "finalize":
		return ep.gr == namespacesGR
	case "proxy":
		return ep.gr == nodesGR
	case "approval":
		return ep.gr == csrGR
	}
	return false
}

// servePart serves get, update and patch of a subresource that is a part
// of the stored object itself (status, ephemeralcontainers).
func (h *Handler) servePart(w http.ResponseWriter, r *http.Request, s *scope, kind updateKind) {
	switch verb := s.info.Verb; verb {
	case "get":
		h.get(w, r, s)
	case "update":
		h.update(w, r, s, kind)
	case "patch":
		h.patch(w, r, s, kind)
	default:
		s.fail(w, r, apierrors.NewMethodNotSupported(s.subGR(), verb))
	}
}

// onlyVerb reports whether the request's verb is the one verb a
// subresource serves, answering 405 when it is not.
func (s *scope) onlyVerb(w http.ResponseWriter, r *http.Request, verb string) bool {
	if s.info.Verb != verb {
		s.fail(w, r, apierrors.NewMethodNotSupported(s.subGR(), s.info.Verb))
		return false
	}
	return true
}

// allowsVerb reports whether the main resource serves verb.
func (ep *endpoint) allowsVerb(verb string) bool {
	if len(ep.res.Verbs) == 0 {
		return true
	}
	for _, v := range ep.res.Verbs {
		if v == verb {
			return true
		}
	}
	return false
}

// key is the storage key of the named object in namespace ns.
func (ep *endpoint) key(ns, name string) string {
	if ep.res.Namespaced {
		return ep.res.StoragePrefix + "/" + ns + "/" + name
	}
	return ep.res.StoragePrefix + "/" + name
}

// prefix is the storage key prefix of a list in ns ("" for all namespaces).
func (ep *endpoint) prefix(ns string) string {
	if ep.res.Namespaced && ns != "" {
		return ep.res.StoragePrefix + "/" + ns + "/"
	}
	return ep.res.StoragePrefix + "/"
}

// newStored returns an empty object of the stored type.
func (ep *endpoint) newStored() runtime.Object { return ep.res.New() }

// newServed returns an empty object of the served type.
func (ep *endpoint) newServed() (runtime.Object, error) {
	if ep.res.ToStorage == nil {
		return ep.res.New(), nil
	}
	return apischeme.Scheme.New(ep.gvk)
}

// toStorage converts a decoded served-version object to the stored
// version and applies the strategy's defaults.
func (ep *endpoint) toStorage(obj runtime.Object) (runtime.Object, error) {
	out := obj
	if ep.res.ToStorage != nil {
		var err error
		if out, err = ep.res.ToStorage(obj); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("converting %v to the storage version: %v", ep.gvk, err))
		}
	}
	ep.res.Strategy.Default(out)
	return out, nil
}

// servedView is served for objects that are only encoded: when no
// conversion is needed it copies the top-level struct alone (so setting
// apiVersion/kind does not touch the shared stored object) instead of the
// whole object. The result shares maps, slices and pointers with stored
// and must not be modified.
func (ep *endpoint) servedView(stored runtime.Object) (runtime.Object, error) {
	if ep.res.FromStorage != nil {
		return ep.served(stored)
	}
	out, ok := apischeme.ShallowCopy(stored)
	if !ok {
		return ep.served(stored)
	}
	out.GetObjectKind().SetGroupVersionKind(ep.gvk)
	return out, nil
}

// served returns a copy of a stored object in the served version with its
// apiVersion/kind set.
func (ep *endpoint) served(stored runtime.Object) (runtime.Object, error) {
	var out runtime.Object
	if ep.res.FromStorage == nil {
		out = stored.DeepCopyObject()
	} else {
		converted, err := ep.res.FromStorage(stored)
		if err != nil {
			return nil, fmt.Errorf("converting %v to %v: %w", ep.storageGVK, ep.gvk, err)
		}
		if converted == stored {
			converted = stored.DeepCopyObject()
		}
		out = converted
	}
	out.GetObjectKind().SetGroupVersionKind(ep.gvk)
	return out, nil
}
