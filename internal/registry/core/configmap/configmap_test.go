package configmap

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidate(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		cm   corev1.ConfigMap
		want string
	}{
		{"ok", corev1.ConfigMap{Data: map[string]string{"app.properties": "x", "KEY_1": "y"}}, ""},
		{"bad key", corev1.ConfigMap{Data: map[string]string{"a/b": "x"}}, "data[a/b]"},
		{"duplicate", corev1.ConfigMap{Data: map[string]string{"k": "x"}, BinaryData: map[string][]byte{"k": {1}}}, "data[k]"},
		{"too big", corev1.ConfigMap{Data: map[string]string{"k": strings.Repeat("x", corev1.MaxSecretSize+1)}}, "[]"},
		{"immutable ok", corev1.ConfigMap{Immutable: &yes}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cm.ObjectMeta = metav1.ObjectMeta{Name: "cfg", Namespace: "default"}
			errs := Strategy{}.Validate(context.Background(), &tt.cm)
			got := ""
			if len(errs) > 0 {
				got = errs[0].Field
			}
			if got != tt.want || len(errs) > 1 {
				t.Errorf("errors = %v, want field %q", errs, tt.want)
			}
		})
	}
}

func TestImmutable(t *testing.T) {
	yes := true
	old := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default", ResourceVersion: "1"},
		Data: map[string]string{"a": "1"}, Immutable: &yes}
	upd := old.DeepCopy()
	upd.Data["a"] = "2"
	errs := Strategy{}.ValidateUpdate(context.Background(), upd, old)
	if len(errs) != 1 || errs[0].Field != "data" || errs[0].Detail != "field is immutable when `immutable` is set" {
		t.Errorf("errors = %v", errs)
	}
	upd = old.DeepCopy()
	upd.Immutable = nil
	if errs := (Strategy{}).ValidateUpdate(context.Background(), upd, old); len(errs) != 1 || errs[0].Field != "immutable" {
		t.Errorf("errors = %v", errs)
	}
	upd = old.DeepCopy()
	upd.Labels = map[string]string{"x": "y"}
	if errs := (Strategy{}).ValidateUpdate(context.Background(), upd, old); len(errs) != 0 {
		t.Errorf("label change rejected: %v", errs)
	}
}

func TestTableRow(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"a": "1"}, BinaryData: map[string][]byte{"b": nil}}
	row, _ := Strategy{}.TableRow(cm)
	if row[0] != "cfg" || row[1] != int64(2) || row[2] != "<unknown>" {
		t.Errorf("row = %v", row)
	}
}
