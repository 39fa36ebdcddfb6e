package mutatingwebhookconfiguration

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDefaultAndValidate(t *testing.T) {
	c := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "inject"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "inject.sidecar.example.com",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://sidecar.example.com/mutate")},
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNoneOnDryRun),
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
		}},
	}
	NewStrategy().Default(c)
	h := c.Webhooks[0]
	if *h.ReinvocationPolicy != admissionregistrationv1.NeverReinvocationPolicy || *h.FailurePolicy != admissionregistrationv1.Fail || *h.TimeoutSeconds != 10 {
		t.Fatalf("webhook = %+v", h)
	}
	if errs := NewStrategy().Validate(context.Background(), c); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	c.Webhooks[0].ReinvocationPolicy = ptr.To(admissionregistrationv1.ReinvocationPolicyType("Always"))
	errs := NewStrategy().Validate(context.Background(), c)
	if len(errs) != 1 || errs[0].Field != "webhooks[0].reinvocationPolicy" {
		t.Fatalf("errors = %v", errs)
	}
}
