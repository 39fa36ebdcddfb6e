package authz

import (
	"context"
	"testing"

	"github.com/nauta/nauta/internal/apiserver/authn"
)

func TestAlwaysAllow(t *testing.T) {
	for _, attrs := range []Attributes{
		{User: &authn.User{Name: "bob"}, Verb: "delete", ResourceRequest: true, Resource: "nodes", Name: "n1"},
		{User: authn.AnonymousUser(), Verb: "get", Path: "/healthz"},
	} {
		d, reason, err := AlwaysAllow{}.Authorize(context.Background(), attrs)
		if d != Allow || reason != "" || err != nil {
			t.Errorf("%+v: got %v %q %v", attrs, d, reason, err)
		}
	}
}
