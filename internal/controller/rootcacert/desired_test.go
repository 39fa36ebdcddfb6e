package rootcacert

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func TestNewConfigMap(t *testing.T) {
	cm := newConfigMap([]byte(ca))
	if cm.Name != ConfigMapName || cm.Data[DataKey] != ca || len(cm.Data) != 1 {
		t.Fatalf("got %+v", cm)
	}
	if cm.Annotations[DescriptionAnnotation] != Description {
		t.Fatalf("annotation %q", cm.Annotations[DescriptionAnnotation])
	}
}

func TestUpdatedConfigMap(t *testing.T) {
	current := func() *v1.ConfigMap {
		cm := newConfigMap([]byte(ca))
		cm.Namespace = "ns"
		cm.ResourceVersion = "7"
		return cm
	}
	tests := []struct {
		name   string
		edit   func(*v1.ConfigMap)
		update bool
	}{
		{"current", func(*v1.ConfigMap) {}, false},
		{"custom description is left alone", func(cm *v1.ConfigMap) { cm.Annotations[DescriptionAnnotation] = "ours" }, false},
		{"other annotations and labels are fine", func(cm *v1.ConfigMap) {
			cm.Annotations["x"] = "y"
			cm.Labels = map[string]string{"a": "b"}
		}, false},
		{"stale CA", func(cm *v1.ConfigMap) { cm.Data[DataKey] = "old" }, true},
		{"data removed", func(cm *v1.ConfigMap) { cm.Data = nil }, true},
		{"extra key", func(cm *v1.ConfigMap) { cm.Data["extra"] = "x" }, true},
		{"annotation removed", func(cm *v1.ConfigMap) { delete(cm.Annotations, DescriptionAnnotation) }, true},
		{"no annotations", func(cm *v1.ConfigMap) { cm.Annotations = nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := current()
			existing.Labels = map[string]string{"keep": "me"}
			tt.edit(existing)
			before := existing.DeepCopy()
			got := updatedConfigMap(existing, []byte(ca))
			if (got != nil) != tt.update {
				t.Fatalf("update = %v, want %v", got != nil, tt.update)
			}
			if existing.String() != before.String() {
				t.Fatal("existing was modified")
			}
			if got == nil {
				return
			}
			if len(got.Data) != 1 || got.Data[DataKey] != ca {
				t.Errorf("data %v", got.Data)
			}
			if got.Annotations[DescriptionAnnotation] != Description {
				t.Errorf("annotation %q", got.Annotations[DescriptionAnnotation])
			}
			if got.ResourceVersion != "7" || got.Namespace != "ns" {
				t.Errorf("metadata lost: %+v", got.ObjectMeta)
			}
			for k, v := range existing.Labels {
				if got.Labels[k] != v {
					t.Errorf("label %s lost", k)
				}
			}
		})
	}
}
