// Package apischeme holds the one runtime.Scheme of every API type Nauta
// serves, and the codecs built from it. It knows nothing about storage or HTTP.
package apischeme

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
)

var (
	// Scheme knows every served kind plus the meta.k8s.io kinds (Status,
	// Table, PartialObjectMetadata, WatchEvent, ...).
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes JSON, YAML and protobuf for Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
	// StrictCodecs decodes JSON and YAML reporting unknown and duplicate
	// fields (fieldValidation=Strict|Warn).
	StrictCodecs = serializer.NewCodecFactory(Scheme, serializer.EnableStrict)
	// ParameterCodec decodes query parameters into option structs.
	ParameterCodec = runtime.NewParameterCodec(Scheme)
)

// Unversioned is the group version of types that live outside any API group
// in the URL space (Status, APIVersions, ...).
var Unversioned = schema.GroupVersion{Group: "", Version: "v1"}

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(apidiscoveryv2.AddToScheme(Scheme))
	utilruntime.Must(apidiscoveryv2beta1.AddToScheme(Scheme))
	// Option kinds (DeleteOptions, ListOptions, ...) also travel as
	// meta.k8s.io/v1: kubectl sends delete bodies in that version.
	metav1.AddToGroupVersion(Scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(metav1.AddMetaToScheme(Scheme))
	utilruntime.Must(metav1beta1.AddMetaToScheme(Scheme))
	// client-go's scheme already registered Status, APIVersions, ... as
	// unversioned types and the WatchEvent/option kinds in every group.
}
