package secret

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func errStrings(errs field.ErrorList) string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return strings.Join(out, "|")
}

func TestDefault(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{"a": []byte("old"), "b": []byte("b")}, StringData: map[string]string{"a": "new"}}
	Strategy{}.Default(s)
	if s.Type != corev1.SecretTypeOpaque || string(s.Data["a"]) != "new" || string(s.Data["b"]) != "b" || s.StringData != nil {
		t.Errorf("secret = %+v", s)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		secret corev1.Secret
		want   string
	}{
		{"opaque", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"k": nil}}, ""},
		{"bad key", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"a b": nil}}, "FieldValueInvalid data[a b]"},
		{"tls missing", corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil}}, "FieldValueRequired data[tls.key]"},
		{"sa token", corev1.Secret{Type: corev1.SecretTypeServiceAccountToken}, "FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]"},
		{"dockerconfigjson bad", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte("{")}}, "FieldValueInvalid data[.dockerconfigjson]"},
		{"dockerconfigjson ok", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte("{}")}}, ""},
		{"too big", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"k": make([]byte, corev1.MaxSecretSize+1)}}, "FieldValueTooLong data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.secret.ObjectMeta = metav1.ObjectMeta{Name: "s", Namespace: "default"}
			if got := errStrings(Strategy{}.Validate(context.Background(), &tt.secret)); got != tt.want {
				t.Errorf("errors = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default", ResourceVersion: "1"}, Type: corev1.SecretTypeOpaque}
	upd := old.DeepCopy()
	upd.Type = "example.com/other"
	if got := errStrings(Strategy{}.ValidateUpdate(context.Background(), upd, old)); got != "FieldValueInvalid type" {
		t.Errorf("errors = %q", got)
	}
}

func TestAttrsAndTable(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Type: corev1.SecretTypeTLS, Data: map[string][]byte{"a": nil, "b": nil}}
	_, f, _ := Strategy{}.Attrs(s)
	if f["type"] != "kubernetes.io/tls" || f["metadata.namespace"] != "ns" {
		t.Errorf("fields = %v", f)
	}
	row, _ := Strategy{}.TableRow(s)
	if row[1] != "kubernetes.io/tls" || row[2] != int64(2) {
		t.Errorf("row = %v", row)
	}
}
