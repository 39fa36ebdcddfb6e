package event

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web-1.17a", Namespace: "default", ResourceVersion: "1"},
		EventTime:           metav1.NewMicroTime(time.Now().Add(-2 * time.Minute)),
		ReportingController: "example.com/operator",
		ReportingInstance:   "operator-0",
		Action:              "Reconcile",
		Reason:              "Synced",
		Note:                "synced ok ",
		Type:                corev1.EventTypeNormal,
		Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1", UID: "u1", APIVersion: "v1"},
	}
}

func TestRoundTrip(t *testing.T) {
	in := newEvent()
	in.Series = &eventsv1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(time.Now())}
	in.Related = &corev1.ObjectReference{Kind: "Node", Name: "n1"}
	in.DeprecatedSource = corev1.EventSource{Component: "kubelet", Host: "n1"}
	in.DeprecatedCount = 4
	in.DeprecatedFirstTimestamp = metav1.NewTime(time.Unix(100, 0))
	core, err := ToStorage(in)
	if err != nil {
		t.Fatal(err)
	}
	c := core.(*corev1.Event)
	if c.InvolvedObject.Name != "web-1" || c.Message != "synced ok " || c.Source.Component != "kubelet" || c.Count != 4 || c.Series.Count != 3 || c.ReportingController != "example.com/operator" {
		t.Fatalf("core event = %+v", c)
	}
	back, err := FromStorage(core)
	if err != nil {
		t.Fatal(err)
	}
	in.TypeMeta = metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"}
	if !apiequality.Semantic.DeepEqual(back, in) {
		t.Fatalf("round trip changed the event:\n got %+v\nwant %+v", back, in)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*eventsv1.Event)
		want   []string
	}{
		{name: "valid", mutate: func(*eventsv1.Event) {}},
		{name: "no event time", mutate: func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} }, want: []string{"eventTime"}},
		{name: "no controller", mutate: func(e *eventsv1.Event) { e.ReportingController = "" }, want: []string{"reportingController"}},
		{name: "no action", mutate: func(e *eventsv1.Event) { e.Action = "" }, want: []string{"action"}},
		{name: "bad type", mutate: func(e *eventsv1.Event) { e.Type = "Info" }, want: []string{"type"}},
		{name: "deprecated count", mutate: func(e *eventsv1.Event) { e.DeprecatedCount = 2 }, want: []string{"count"}},
		{name: "short series", mutate: func(e *eventsv1.Event) { e.Series = &eventsv1.EventSeries{Count: 1} }, want: []string{"series.count", "series.lastObservedTime"}},
		{name: "namespace mismatch", mutate: func(e *eventsv1.Event) { e.Regarding.Namespace = ""; e.Namespace = "apps" }, want: []string{"involvedObject.namespace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEvent()
			tc.mutate(e)
			errs := NewStrategy().Validate(context.Background(), ToCore(e))
			registrytest.AssertFieldErrors(t, errs, tc.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := ToCore(newEvent())
	upd := old.DeepCopy()
	upd.Series = &corev1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Now())}
	if errs := NewStrategy().ValidateUpdate(context.Background(), upd, old); len(errs) != 0 {
		t.Fatalf("series update rejected: %v", errs)
	}
	upd.Message = "changed"
	if errs := NewStrategy().ValidateUpdate(context.Background(), upd, old); !slices.Equal(registrytest.ErrorFields(errs), []string{"message"}) {
		t.Fatalf("errors = %v", errs)
	}
}

func TestAttrs(t *testing.T) {
	_, f, err := NewStrategy().Attrs(ToCore(newEvent()))
	if err != nil {
		t.Fatal(err)
	}
	if f["regarding.name"] != "web-1" || f["involvedObject.kind"] != "Pod" || f["reportingController"] != "example.com/operator" || f["source"] != "example.com/operator" || f["type"] != "Normal" {
		t.Fatalf("fields = %v", f)
	}
}

func TestTable(t *testing.T) {
	row, err := NewStrategy().TableRow(ToCore(newEvent()))
	if err != nil {
		t.Fatal(err)
	}
	want := []interface{}{"2m", "Normal", "Synced", "pod/web-1", "", "example.com/operator, operator-0", "synced ok", "2m", int64(1), "web-1.17a"}
	if len(row) != len(want) || len(row) != len(NewStrategy().TableColumns()) {
		t.Fatalf("row = %v", row)
	}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
}
