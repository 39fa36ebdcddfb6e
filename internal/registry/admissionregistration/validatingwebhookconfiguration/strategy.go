package validatingwebhookconfiguration

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/admissionregistration/hookrules"
)

// Strategy is the ValidatingWebhookConfiguration strategy.
type Strategy struct {
	registry.BaseStrategy
}

// NewStrategy returns the ValidatingWebhookConfiguration strategy.
func NewStrategy() Strategy {
	return Strategy{BaseStrategy: registry.BaseStrategy{ClusterScoped: true, TracksGeneration: true}}
}

// Default applies the webhook defaults.
func (Strategy) Default(obj runtime.Object) {
	c := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	for i := range c.Webhooks {
		hookrules.DefaultWebhook(&c.Webhooks[i])
	}
}

// Validate checks a new configuration.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	c := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	allErrs := registry.ValidateObjectMeta(c, false, registry.NameIsDNSSubdomain)
	return append(allErrs, hookrules.ValidateWebhooks(c.Webhooks, field.NewPath("webhooks"))...)
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
	c, ok := obj.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	if !ok {
		return nil, fmt.Errorf("expected *v1.ValidatingWebhookConfiguration, got %T", obj)
	}
	return []interface{}{c.Name, int64(len(c.Webhooks)), registry.HumanAge(c.CreationTimestamp, time.Now())}, nil
}
