package serviceaccount

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/registry/core/columns"
)

// Strategy is the serviceaccounts strategy.
type Strategy struct {
	registry.BaseStrategy
}

var _ registry.Strategy = Strategy{}

// Validate checks metadata with the service account name rule.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return registry.ValidateObjectMeta(obj, true, apivalidation.ValidateServiceAccountName)
}

// ValidateUpdate checks metadata and its immutability.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return append(registry.ValidateObjectMetaUpdate(obj, old), s.Validate(ctx, obj)...)
}

// TableColumns are NAME SECRETS AGE.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		columns.Name(),
		{Name: "Secrets", Type: "string", Description: corev1.ServiceAccount{}.SwaggerDoc()["secrets"]},
		columns.Age(),
	}
}

// TableRow prints the number of listed secrets.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	sa := obj.(*corev1.ServiceAccount)
	return []interface{}{sa.Name, int64(len(sa.Secrets)), columns.Since(sa.CreationTimestamp)}, nil
}
