package event

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	coreevent "github.com/nauta/nauta/internal/registry/core/event"
)

// TableColumns are kubectl's event columns (the same for both APIs).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return coreevent.Columns()
}

// TableRow prints one event, stored and served here in its core/v1 form.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	e, ok := obj.(*corev1.Event)
	if !ok {
		return nil, fmt.Errorf("expected *v1.Event, got %T", obj)
	}
	return coreevent.Row(e), nil
}
