package columns

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry"
)

// Name is the NAME column every kind table starts with.
func Name() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
}

// Age is the AGE column: the object's age as "5m", "3d4h".
func Age() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
}

// Since formats how long ago t was, or "<unknown>" for a zero time.
func Since(t metav1.Time) string {
	return registry.HumanAge(t, time.Now())
}

// NoneIfEmpty returns s, or "<none>" when s is empty.
func NoneIfEmpty(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// UnsetIfNil returns *s, or "<unset>" when s is nil, as kubectl prints
// optional string fields such as a volume mode or class name.
func UnsetIfNil[T ~string](s *T) string {
	if s == nil {
		return "<unset>"
	}
	return string(*s)
}
