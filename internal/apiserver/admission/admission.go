// Package admission is the chain every write passes after authorization and
// before storage: mutating steps first (defaulting), then validating steps
// (validation, namespace lifecycle, ...). A step rejects by returning an
// error that is, or wraps, an apierrors.APIStatus.
package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/nauta/nauta/internal/apiserver/authn"
)

// Operation is the kind of write being admitted.
type Operation string

// The operations admission sees.
const (
	Create  Operation = "CREATE"
	Update  Operation = "UPDATE"
	Delete  Operation = "DELETE"
	Connect Operation = "CONNECT"
)

// Attributes describe one write. Object and OldObject are in the stored
// version; Object may be changed by mutating steps.
type Attributes struct {
	Operation   Operation
	Kind        schema.GroupVersionKind
	Resource    schema.GroupVersionResource
	Subresource string
	Namespace   string
	Name        string
	Object      runtime.Object
	OldObject   runtime.Object
	User        *authn.User
	DryRun      bool
}

// Mutator may change attrs.Object.
type Mutator interface {
	Admit(ctx context.Context, attrs *Attributes) error
}

// Validator may only accept or reject.
type Validator interface {
	Validate(ctx context.Context, attrs *Attributes) error
}

// Chain runs mutators in order, then validators in order, stopping at the
// first error.
type Chain struct {
	Mutators   []Mutator
	Validators []Validator
}

// Admit runs the whole chain on attrs.
func (c *Chain) Admit(ctx context.Context, attrs *Attributes) error {
	if c == nil {
		return nil
	}
	for _, m := range c.Mutators {
		if err := m.Admit(ctx, attrs); err != nil {
			return err
		}
	}
	for _, v := range c.Validators {
		if err := v.Validate(ctx, attrs); err != nil {
			return err
		}
	}
	return nil
}
