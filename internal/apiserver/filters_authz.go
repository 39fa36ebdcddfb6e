package apiserver

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/authz"
	"github.com/nauta/nauta/internal/apiserver/request"
	"github.com/nauta/nauta/internal/apiserver/responsewriters"
)

// withAuthorization asks the authorizer whether the user may do what the
// request asks, answering 403 in upstream's words when not.
func (s *Server) withAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attrs := authorizationAttributes(r)
		decision, reason, err := s.cfg.Authorizer.Authorize(r.Context(), attrs)
		if decision == authz.Allow {
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.logger.Error("authorizer failed", "method", r.Method, "path", r.URL.Path, "err", err)
			responsewriters.WriteError(w, r, apierrors.NewInternalError(err))
			return
		}
		responsewriters.WriteError(w, r, ForbiddenError(attrs, reason))
	})
}

func authorizationAttributes(r *http.Request) authz.Attributes {
	attrs := authz.Attributes{User: request.UserFrom(r.Context()), Path: r.URL.Path}
	info := request.InfoFrom(r.Context())
	if info == nil {
		attrs.Verb = r.Method
		return attrs
	}
	attrs.Verb = info.Verb
	attrs.Path = info.Path
	attrs.ResourceRequest = info.IsResourceRequest
	attrs.Namespace = info.Namespace
	attrs.APIGroup = info.APIGroup
	attrs.APIVersion = info.APIVersion
	attrs.Resource = info.Resource
	attrs.Subresource = info.Subresource
	attrs.Name = info.Name
	return attrs
}

// ForbiddenError returns the 403 of a denied request, worded like
// upstream's (clients and tests match on it):
//
//	pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"
//	nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at the cluster scope
//	forbidden: User "bob" cannot get path "/metrics"
//
// reason, when set, is appended after a colon.
func ForbiddenError(attrs authz.Attributes, reason string) error {
	userName := ""
	if attrs.User != nil {
		userName = attrs.User.Name
	}
	var msg string
	switch {
	case !attrs.ResourceRequest:
		msg = fmt.Sprintf("User %q cannot %s path %q", userName, attrs.Verb, attrs.Path)
	default:
		resource := attrs.Resource
		if attrs.Subresource != "" {
			resource += "/" + attrs.Subresource
		}
		if attrs.Namespace != "" {
			msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q",
				userName, attrs.Verb, resource, attrs.APIGroup, attrs.Namespace)
		} else {
			msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q at the cluster scope",
				userName, attrs.Verb, resource, attrs.APIGroup)
		}
	}
	if reason != "" {
		msg += ": " + reason
	}
	gr := schema.GroupResource{Group: attrs.APIGroup, Resource: attrs.Resource}
	return apierrors.NewForbidden(gr, attrs.Name, fmt.Errorf("%s", msg))
}
