package endpoints

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nauta/nauta/internal/registry/registrytest"
)

func addrs(ips ...string) []corev1.EndpointAddress {
	var out []corev1.EndpointAddress
	for _, ip := range ips {
		out = append(out, corev1.EndpointAddress{IP: ip})
	}
	return out
}

func TestFormatEndpoints(t *testing.T) {
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{"none", nil, "<none>"},
		{"two", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: []corev1.EndpointPort{{Port: 80}}}}, "10.0.0.1:80,10.0.0.2:80"},
		{"more", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), Ports: []corev1.EndpointPort{{Port: 80}}}},
			"10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."},
		{"headless", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1")}}, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatEndpoints(&corev1.Endpoints{Subsets: tt.subsets}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		subset corev1.EndpointSubset
		want   string
	}{
		{"ok", corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 80}}}, ""},
		{"no addresses", corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Port: 80}}}, "subsets[0]"},
		{"loopback", corev1.EndpointSubset{Addresses: addrs("127.0.0.1")}, "subsets[0].addresses[0].ip"},
		{"unnamed ports", corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 80}, {Name: "b", Port: 81}}}, "subsets[0].ports[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Subsets: []corev1.EndpointSubset{tt.subset}}
			Strategy{}.Default(ep)
			errs := Strategy{}.Validate(context.Background(), ep)
			registrytest.AssertFirstFieldError(t, errs, tt.want)
		})
	}
}
