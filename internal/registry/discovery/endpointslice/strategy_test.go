package endpointslice

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func newSlice() *discoveryv1.EndpointSlice {
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc12", Namespace: "default", ResourceVersion: "1"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.1.0.4"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}, NodeName: ptr.To("node-1")},
			{Addresses: []string{"10.1.0.5"}},
		},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080)}},
	}
	NewStrategy().Default(es)
	return es
}

func TestDefault(t *testing.T) {
	es := &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{}}}
	NewStrategy().Default(es)
	if *es.Ports[0].Name != "" || *es.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Fatalf("port = %+v", es.Ports[0])
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*discoveryv1.EndpointSlice)
		want   string
	}{
		{name: "valid", mutate: func(*discoveryv1.EndpointSlice) {}},
		{name: "fqdn", mutate: func(es *discoveryv1.EndpointSlice) {
			es.AddressType = discoveryv1.AddressTypeFQDN
			es.Endpoints = []discoveryv1.Endpoint{{Addresses: []string{"db.example.com"}}}
		}},
		{name: "no address type", mutate: func(es *discoveryv1.EndpointSlice) { es.AddressType = "" }, want: "addressType"},
		{name: "bad address type", mutate: func(es *discoveryv1.EndpointSlice) { es.AddressType = "IP" }, want: "addressType"},
		{name: "v6 in v4 slice", mutate: func(es *discoveryv1.EndpointSlice) { es.Endpoints[0].Addresses = []string{"fd00::1"} }, want: "endpoints[0].addresses[0]"},
		{name: "loopback", mutate: func(es *discoveryv1.EndpointSlice) { es.Endpoints[0].Addresses = []string{"127.0.0.1"} }, want: "endpoints[0].addresses[0]"},
		{name: "no addresses", mutate: func(es *discoveryv1.EndpointSlice) { es.Endpoints[1].Addresses = nil }, want: "endpoints[1].addresses"},
		{name: "duplicate port", mutate: func(es *discoveryv1.EndpointSlice) { es.Ports = append(es.Ports, es.Ports[0]) }, want: "ports[1].name"},
		{name: "bad protocol", mutate: func(es *discoveryv1.EndpointSlice) { es.Ports[0].Protocol = ptr.To(corev1.Protocol("HTTP")) }, want: "ports[0].protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := newSlice()
			tc.mutate(es)
			errs := NewStrategy().Validate(context.Background(), es)
			registrytest.AssertOnlyFieldError(t, errs, tc.want)
		})
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	old := newSlice()
	NewStrategy().PrepareForCreate(ctx, old)
	es := old.DeepCopy()
	es.AddressType = discoveryv1.AddressTypeIPv6
	es.Endpoints = []discoveryv1.Endpoint{{Addresses: []string{"fd00::1"}}}
	if errs := NewStrategy().ValidateUpdate(ctx, es, old); len(errs) != 1 || errs[0].Field != "addressType" {
		t.Fatalf("errors = %v", errs)
	}
	es = old.DeepCopy()
	es.Endpoints = es.Endpoints[:1]
	NewStrategy().PrepareForUpdate(ctx, es, old)
	if es.Generation != 2 {
		t.Fatalf("generation = %d", es.Generation)
	}
}

func TestTable(t *testing.T) {
	es := newSlice()
	es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.1.0.6", "10.1.0.7"}})
	row, _ := NewStrategy().TableRow(es)
	want := []interface{}{"web-abc12", "IPv4", "8080", "10.1.0.4,10.1.0.5,10.1.0.6 + 1 more...", "<unknown>"}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, row[i], want[i])
		}
	}
	row, _ = NewStrategy().TableRow(&discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4})
	if row[2] != "<unset>" || row[3] != "<unset>" {
		t.Errorf("empty row = %v", row)
	}
}
