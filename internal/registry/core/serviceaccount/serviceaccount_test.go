package serviceaccount

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateAndTable(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{{"default", true}, {"build.bot", true}, {"Bad_Name", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: tt.name, Namespace: "default"}}
			if errs := (Strategy{}).Validate(context.Background(), sa); (len(errs) == 0) != tt.ok {
				t.Errorf("errors = %v", errs)
			}
		})
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "sa"}, Secrets: []corev1.ObjectReference{{Name: "x"}}}
	if row, _ := (Strategy{}).TableRow(sa); row[1] != int64(1) {
		t.Errorf("row = %v", row)
	}
}
