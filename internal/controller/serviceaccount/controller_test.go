package serviceaccount

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNeedsDefaultServiceAccount(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name   string
		ns     v1.Namespace
		exists bool
		want   bool
	}{
		{"active without account", v1.Namespace{Status: v1.NamespaceStatus{Phase: v1.NamespaceActive}}, false, true},
		{"phase not set yet", v1.Namespace{}, false, true},
		{"active with account", v1.Namespace{Status: v1.NamespaceStatus{Phase: v1.NamespaceActive}}, true, false},
		{"terminating", v1.Namespace{Status: v1.NamespaceStatus{Phase: v1.NamespaceTerminating}}, false, false},
		{"deleted, phase not updated yet", v1.Namespace{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsDefaultServiceAccount(&tt.ns, tt.exists); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
