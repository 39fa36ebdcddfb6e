package rootcacert

import (
	"maps"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ConfigMapName is the ConfigMap published in every namespace.
	ConfigMapName = "kube-root-ca.crt"
	// DataKey holds the PEM bundle.
	DataKey = "ca.crt"
	// DescriptionAnnotation and Description explain the ConfigMap to
	// readers; the text is upstream's, which users and tools recognise.
	DescriptionAnnotation = "kubernetes.io/description"
	Description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// newConfigMap is the ConfigMap to create when none exists.
func newConfigMap(rootCA []byte) *v1.ConfigMap {
	return &v1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:        ConfigMapName,
			Annotations: map[string]string{DescriptionAnnotation: Description},
		},
		Data: map[string]string{DataKey: string(rootCA)},
	}
}

// updatedConfigMap returns the update to apply to existing, or nil when it
// is current: data is exactly {ca.crt: rootCA} and the description
// annotation is set. Labels and other annotations are kept.
func updatedConfigMap(existing *v1.ConfigMap, rootCA []byte) *v1.ConfigMap {
	want := map[string]string{DataKey: string(rootCA)}
	if maps.Equal(existing.Data, want) && existing.Annotations[DescriptionAnnotation] != "" {
		return nil
	}
	cm := existing.DeepCopy()
	cm.Data = want
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[DescriptionAnnotation] = Description
	return cm
}
