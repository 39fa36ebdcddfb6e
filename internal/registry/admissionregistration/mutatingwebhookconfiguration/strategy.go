package mutatingwebhookconfiguration

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/admissionregistration/hookrules"
)

var reinvocationPolicies = []string{string(admissionregistrationv1.IfNeededReinvocationPolicy), string(admissionregistrationv1.NeverReinvocationPolicy)}

// Strategy is the MutatingWebhookConfiguration strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the MutatingWebhookConfiguration strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, TracksGeneration: true}}
}

// Default applies the webhook defaults and reinvocationPolicy Never.
func (Strategy) Default(obj runtime.Object) {
	c := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
	for i := range c.Webhooks {
		m := &c.Webhooks[i]
		v := hookrules.ToValidating(m)
		hookrules.DefaultWebhook(&v)
		hookrules.FromValidating(&v, m)
		if m.ReinvocationPolicy == nil {
			m.ReinvocationPolicy = ptr.To(admissionregistrationv1.NeverReinvocationPolicy)
		}
	}
}

// Validate checks a new configuration.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	c := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
	allErrs := registry.ValidateObjectMeta(c, false, registry.NameIsDNSSubdomain)
	hooks := make([]admissionregistrationv1.ValidatingWebhook, 0, len(c.Webhooks))
	for i := range c.Webhooks {
		hooks = append(hooks, hookrules.ToValidating(&c.Webhooks[i]))
	}
	p := field.NewPath("webhooks")
	allErrs = append(allErrs, hookrules.ValidateWebhooks(hooks, p)...)
	for i, m := range c.Webhooks {
		if rp := m.ReinvocationPolicy; rp != nil && *rp != admissionregistrationv1.NeverReinvocationPolicy && *rp != admissionregistrationv1.IfNeededReinvocationPolicy {
			allErrs = append(allErrs, field.NotSupported(p.Index(i).Child("reinvocationPolicy"), *rp, reinvocationPolicies))
		}
	}
	return allErrs
}

// ValidateUpdate checks an update.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	allErrs := s.Validate(ctx, obj)
	return append(allErrs, registry.ValidateObjectMetaUpdate(obj, old)...)
}

// TableColumns are kubectl's webhook configuration columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return hookrules.WebhookConfigurationColumns()
}

// TableRow prints one configuration.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	c, ok := obj.(*admissionregistrationv1.MutatingWebhookConfiguration)
	if !ok {
		return nil, fmt.Errorf("expected *v1.MutatingWebhookConfiguration, got %T", obj)
	}
	return []interface{}{c.Name, int64(len(c.Webhooks)), registry.HumanAge(c.CreationTimestamp, time.Now())}, nil
}
