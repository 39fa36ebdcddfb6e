package openapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"fmt"
	"io"
	"reflect"
	"sort"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/registry"
)

// Spec holds the rendered OpenAPI documents of one set of resources.
// It is immutable after New and safe for concurrent use.
type Spec struct {
	built time.Time

	v2 *servedDoc

	// v3 maps a document name ("api/v1", "apis/apps/v1", "apis") to its
	// document; v3Discovery lists them with their hashes.
	v3          map[string]*servedDoc
	v3Discovery *servedDoc
}

// servedDoc is one document, its ETag and, made on first request, its
// protobuf form. Both forms are kept gzip-compressed: together they are
// ~10 MiB as plain bytes, ~1 MiB compressed, and most clients (every Go
// client, kubectl included) accept gzip and get the stored bytes as they are.
type servedDoc struct {
	gzJSON []byte
	etag   string

	toProto   func([]byte) ([]byte, error)
	protoOnce sync.Once
	gzProto   []byte
	protoErr  error
}

func newServedDoc(json []byte, toProto func([]byte) ([]byte, error)) *servedDoc {
	return &servedDoc{gzJSON: mustGzip(json), etag: computeETag(json), toProto: toProto}
}

// jsonBytes returns the document's JSON.
func (d *servedDoc) jsonBytes() []byte { return mustGunzip(d.gzJSON) }

// gzipProtobuf returns the gzip-compressed protobuf form of the document.
func (d *servedDoc) gzipProtobuf() ([]byte, error) {
	d.protoOnce.Do(func() {
		if d.toProto == nil {
			d.protoErr = fmt.Errorf("openapi: no protobuf form")
			return
		}
		data, err := d.toProto(d.jsonBytes())
		if err != nil {
			d.protoErr = err
			return
		}
		d.gzProto = mustGzip(data)
	})
	return d.gzProto, d.protoErr
}

// mustGzip compresses data in memory, which cannot fail.
func mustGzip(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		panic(fmt.Sprintf("openapi: gzip in memory: %v", err))
	}
	if err := zw.Close(); err != nil {
		panic(fmt.Sprintf("openapi: gzip in memory: %v", err))
	}
	return buf.Bytes()
}

// mustGunzip decompresses what mustGzip produced.
func mustGunzip(gz []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		panic(fmt.Sprintf("openapi: gunzip of our own document: %v", err))
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		panic(fmt.Sprintf("openapi: gunzip of our own document: %v", err))
	}
	return data
}

// computeETag is the hex SHA-512 of a document, as upstream computes it;
// it is also the hash in v3 discovery URLs.
func computeETag(data []byte) string {
	return fmt.Sprintf("%X", sha512.Sum512(data))
}

// resourceInfo is what the paths of one resource depend on.
type resourceInfo struct {
	resource   string
	namespaced bool
	verbs      map[string]bool
	status     bool
	scale      bool
}

var defaultVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// Kinds referenced by operations besides the served kinds themselves.
var (
	scaleType = reflect.TypeFor[autoscalingv1.Scale]()
	scaleGVK  = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

	podsGVR     = corev1.SchemeGroupVersion.WithResource("pods")
	bindingsGVR = corev1.SchemeGroupVersion.WithResource("bindings")
	bindingGVK  = corev1.SchemeGroupVersion.WithKind("Binding")
	bindingType = reflect.TypeFor[corev1.Binding]()
	metaTypes   = []reflect.Type{
		reflect.TypeFor[metav1.Status](),
		reflect.TypeFor[metav1.DeleteOptions](),
		reflect.TypeFor[metav1.WatchEvent](),
		reflect.TypeFor[metav1.Patch](),
		reflect.TypeFor[metav1.APIVersions](),
		reflect.TypeFor[metav1.APIGroupList](),
		reflect.TypeFor[metav1.APIGroup](),
		reflect.TypeFor[metav1.APIResourceList](),
		reflect.TypeFor[version.Info](),
	}
)

// New builds the v2 and v3 documents describing resources. The v2
// protobuf form is made here too, since kubectl asks for it first.
func New(resources []*registry.Resource) (*Spec, error) {
	served := map[schema.GroupVersion]bool{{Group: "", Version: "v1"}: true}
	seen := map[schema.GroupVersionResource]bool{}
	for _, r := range resources {
		gvr := r.GroupVersionResource()
		if seen[gvr] {
			return nil, fmt.Errorf("openapi: resource %v listed twice", gvr)
		}
		seen[gvr] = true
		served[r.GroupVersion] = true
	}

	type resourceTypes struct {
		kind, list reflect.Type
	}
	types := make([]resourceTypes, len(resources))
	extra := map[reflect.Type][]schema.GroupVersionKind{}
	needScale := false
	for i, r := range resources {
		kind, err := goType(r.GroupVersionKind(), r.New)
		if err != nil {
			return nil, err
		}
		list, err := goType(r.GroupVersion.WithKind(r.ListKindName()), r.NewList)
		if err != nil {
			return nil, err
		}
		types[i] = resourceTypes{kind, list}
		extra[kind] = append(extra[kind], r.GroupVersionKind())
		extra[list] = append(extra[list], r.GroupVersion.WithKind(r.ListKindName()))
		if r.Scale != nil {
			needScale = true
		}
	}
	if needScale {
		extra[scaleType] = append(extra[scaleType], scaleGVK)
	}
	defs := newDefinitions(servedKinds(served, extra))

	var routes []route
	for i, r := range resources {
		k := kindInfo{GVK: r.GroupVersionKind(), ScaleGVK: scaleGVK}
		var err error
		if k.Def, err = defName(defs, types[i].kind); err != nil {
			return nil, err
		}
		if k.ListDef, err = defName(defs, types[i].list); err != nil {
			return nil, err
		}
		if r.Scale != nil {
			if k.ScaleDef, err = defName(defs, scaleType); err != nil {
				return nil, err
			}
		}
		routes = append(routes, resourceRoutes(infoOf(r), k)...)
	}
	if served[podsGVR.GroupVersion()] && seen[podsGVR] && !seen[bindingsGVR] {
		// The API server serves core/v1 bindings (create only) without a
		// registry entry whenever pods are served; kubectl explain needs
		// its kind in the document.
		def, err := defName(defs, bindingType)
		if err != nil {
			return nil, err
		}
		info := resourceInfo{resource: bindingsGVR.Resource, namespaced: true, verbs: map[string]bool{"create": true}}
		routes = append(routes, resourceRoutes(info, kindInfo{GVK: bindingGVK, Def: def})...)
	}
	for _, t := range metaTypes {
		if _, err := defName(defs, t); err != nil {
			return nil, err
		}
	}
	routes = append(routes, discoveryRoutes(sortedGroupVersions(resources))...)

	return render(routes, defs)
}

// goType returns the Go struct type of a served kind: the scheme's type
// for that group version (the served, not the stored, version), else the
// type of the resource's own constructor.
func goType(gvk schema.GroupVersionKind, fallback func() runtime.Object) (reflect.Type, error) {
	if obj, err := apischeme.Scheme.New(gvk); err == nil {
		return reflect.TypeOf(obj).Elem(), nil
	}
	if fallback == nil {
		return nil, fmt.Errorf("openapi: kind %v is not in the scheme and has no constructor", gvk)
	}
	t := reflect.TypeOf(fallback())
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("openapi: kind %v is not a Go struct", gvk)
	}
	return t, nil
}

func defName(defs *definitions, t reflect.Type) (string, error) {
	ref, err := defs.refTo(t)
	if err != nil {
		return "", err
	}
	return ref.Ref, nil
}

// servedKinds maps each Go type to the kinds it is known as in the served
// group versions, from the scheme plus the extra kinds given.
func servedKinds(served map[schema.GroupVersion]bool, extra map[reflect.Type][]schema.GroupVersionKind) map[reflect.Type][]schema.GroupVersionKind {
	out := map[reflect.Type][]schema.GroupVersionKind{}
	add := func(t reflect.Type, gvk schema.GroupVersionKind) {
		if !containsGVK(out[t], gvk) {
			out[t] = append(out[t], gvk)
		}
	}
	for gvk, t := range apischeme.Scheme.AllKnownTypes() {
		if served[gvk.GroupVersion()] {
			add(t, gvk)
		}
	}
	for t, gvks := range extra {
		for _, gvk := range gvks {
			add(t, gvk)
		}
	}
	return out
}

func containsGVK(list []schema.GroupVersionKind, gvk schema.GroupVersionKind) bool {
	for _, g := range list {
		if g == gvk {
			return true
		}
	}
	return false
}

func infoOf(r *registry.Resource) resourceInfo {
	verbs := r.Verbs
	if len(verbs) == 0 {
		verbs = defaultVerbs
	}
	info := resourceInfo{
		resource:   r.Resource,
		namespaced: r.Namespaced,
		verbs:      map[string]bool{},
		status:     r.Status,
		scale:      r.Scale != nil,
	}
	for _, v := range verbs {
		info.verbs[v] = true
	}
	return info
}

func sortedGroupVersions(resources []*registry.Resource) []schema.GroupVersion {
	set := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, r := range resources {
		if !set[r.GroupVersion] {
			set[r.GroupVersion] = true
			gvs = append(gvs, r.GroupVersion)
		}
	}
	sort.Slice(gvs, func(i, j int) bool { return gvPath(gvs[i]) < gvPath(gvs[j]) })
	return gvs
}

// V2JSON returns the OpenAPI v2 document. The caller must not modify it.
func (s *Spec) V2JSON() []byte { return s.v2.jsonBytes() }
