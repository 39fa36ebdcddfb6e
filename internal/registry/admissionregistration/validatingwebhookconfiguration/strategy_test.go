package validatingwebhookconfiguration

import (
	"context"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newConfig() *admissionregistrationv1.ValidatingWebhookConfiguration {
	c := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "policy"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "validate.policy.example.com",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				Service: &admissionregistrationv1.ServiceReference{Namespace: "policy", Name: "webhook", Path: ptr.To("/validate")},
			},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	NewStrategy().Default(c)
	return c
}

func TestDefault(t *testing.T) {
	h := newConfig().Webhooks[0]
	if *h.FailurePolicy != admissionregistrationv1.Fail || *h.MatchPolicy != admissionregistrationv1.Equivalent || *h.TimeoutSeconds != 10 {
		t.Errorf("policies = %v %v %v", *h.FailurePolicy, *h.MatchPolicy, *h.TimeoutSeconds)
	}
	if h.NamespaceSelector == nil || h.ObjectSelector == nil || *h.Rules[0].Scope != admissionregistrationv1.AllScopes || *h.ClientConfig.Service.Port != 443 {
		t.Errorf("webhook = %+v", h)
	}
}

func TestValidate(t *testing.T) {
	hook := func(c *admissionregistrationv1.ValidatingWebhookConfiguration) *admissionregistrationv1.ValidatingWebhook {
		return &c.Webhooks[0]
	}
	tests := []struct {
		name   string
		mutate func(*admissionregistrationv1.ValidatingWebhookConfiguration)
		want   []string
	}{
		{name: "valid", mutate: func(*admissionregistrationv1.ValidatingWebhookConfiguration) {}},
		{name: "short name", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) { hook(c).Name = "validate" }, want: []string{"webhooks[0].name"}},
		{name: "no side effects", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) { hook(c).SideEffects = nil }, want: []string{"webhooks[0].sideEffects"}},
		{name: "unknown side effects", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).SideEffects = ptr.To(admissionregistrationv1.SideEffectClassSome)
		}, want: []string{"webhooks[0].sideEffects"}},
		{name: "no review versions", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) { hook(c).AdmissionReviewVersions = nil }, want: []string{"webhooks[0].admissionReviewVersions"}},
		{name: "unknown review version", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).AdmissionReviewVersions = []string{"v2"}
		}, want: []string{"webhooks[0].admissionReviewVersions"}},
		{name: "long timeout", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).TimeoutSeconds = ptr.To[int32](31)
		}, want: []string{"webhooks[0].timeoutSeconds"}},
		{name: "url and service", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).ClientConfig.URL = ptr.To("https://x.example.com")
		}, want: []string{"webhooks[0].clientConfig"}},
		{name: "http url", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: ptr.To("http://x.example.com/v")}
		}, want: []string{"webhooks[0].clientConfig.url"}},
		{name: "relative service path", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			hook(c).ClientConfig.Service.Path = ptr.To("validate")
		}, want: []string{"webhooks[0].clientConfig.service.path"}},
		{name: "duplicate names", mutate: func(c *admissionregistrationv1.ValidatingWebhookConfiguration) {
			c.Webhooks = append(c.Webhooks, c.Webhooks[0])
		}, want: []string{"webhooks[1].name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newConfig()
			tc.mutate(c)
			errs := NewStrategy().Validate(context.Background(), c)
			if !slices.Equal(registrytest.ErrorFields(errs), tc.want) {
				t.Fatalf("errors = %v, want %v", errs, tc.want)
			}
		})
	}
}

func TestGenerationAndTable(t *testing.T) {
	ctx := context.Background()
	c := newConfig()
	NewStrategy().PrepareForCreate(ctx, c)
	u := c.DeepCopy()
	u.Webhooks[0].TimeoutSeconds = ptr.To[int32](5)
	NewStrategy().PrepareForUpdate(ctx, u, c)
	if c.Generation != 1 || u.Generation != 2 {
		t.Fatalf("generations = %d, %d", c.Generation, u.Generation)
	}
	row, _ := NewStrategy().TableRow(c)
	if len(row) != 3 || row[1] != int64(1) {
		t.Fatalf("row = %v", row)
	}
}
