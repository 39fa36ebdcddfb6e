package columns

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestUnsetIfNil(t *testing.T) {
	mode := corev1.PersistentVolumeBlock
	class := "gold"
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "nil string", got: UnsetIfNil[string](nil), want: "<unset>"},
		{name: "string", got: UnsetIfNil(&class), want: "gold"},
		{name: "named string type", got: UnsetIfNil(&mode), want: "Block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
