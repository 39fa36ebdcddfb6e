package event

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/nauta/nauta/internal/registry/core/columns"
)

// TableColumns are upstream's event columns.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	return Columns()
}

// TableRow prints one event.
func (Strategy) TableRow(obj runtime.Object) ([]interface{}, error) {
	return Row(obj.(*corev1.Event)), nil
}

// Columns are the event table columns, shared by core/v1 and
// events.k8s.io/v1 events. Unlike other kinds, NAME is last (and
// wide-only): `kubectl get events` starts with LAST SEEN.
func Columns() []metav1.TableColumnDefinition {
	doc := corev1.Event{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Last Seen", Type: "string", Description: doc["lastTimestamp"]},
		{Name: "Type", Type: "string", Description: doc["type"]},
		{Name: "Reason", Type: "string", Description: doc["reason"]},
		{Name: "Object", Type: "string", Description: doc["involvedObject"]},
		{Name: "Subobject", Type: "string", Priority: 1, Description: corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]},
		{Name: "Source", Type: "string", Priority: 1, Description: doc["source"]},
		{Name: "Message", Type: "string", Description: doc["message"]},
		{Name: "First Seen", Type: "string", Priority: 1, Description: doc["firstTimestamp"]},
		{Name: "Count", Type: "string", Priority: 1, Description: doc["count"]},
		{Name: "Name", Type: "string", Priority: 1, Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	}
}

// Row prints the event as kubectl does, falling back to eventTime and
// series for new-style events.
func Row(e *corev1.Event) []interface{} {
	first := columns.Since(e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = sinceMicro(e.EventTime)
	}
	last := columns.Since(e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = sinceMicro(e.Series.LastObservedTime)
		count = e.Series.Count
	} else if count == 0 {
		// New-style singleton events carry no count.
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target = fmt.Sprintf("%s/%s", target, e.InvolvedObject.Name)
	}
	return []interface{}{
		last,
		e.Type,
		e.Reason,
		target,
		e.InvolvedObject.FieldPath,
		source(e),
		strings.TrimSpace(e.Message),
		first,
		int64(count),
		e.Name,
	}
}

func sinceMicro(t metav1.MicroTime) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// source renders "component, host", using the reporting controller and
// instance when the legacy source is empty.
func source(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component = e.ReportingController
	}
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}
