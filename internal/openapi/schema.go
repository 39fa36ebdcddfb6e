package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// jsonSchema is the version-neutral form of one JSON schema; render.go turns
// it into the v2 or v3 dialect (they differ in how refs are written).
type jsonSchema struct {
	Description string
	Type        string
	Format      string
	// OneOfTypes lists the JSON types a value may have when there are
	// several (IntOrString, Quantity). Only v3 can say so; v2 uses Type.
	OneOfTypes []string
	// Ref names a definition; when set the schema is a reference and only
	// Description and Extensions may accompany it.
	Ref                  string
	Items                *jsonSchema
	AdditionalProperties *jsonSchema
	Properties           map[string]*jsonSchema
	Required             []string
	// Default is the value the server fills in when the field is unset.
	Default    any
	Extensions map[string]any
}

func (s *jsonSchema) setExtension(name string, value any) {
	if s.Extensions == nil {
		s.Extensions = map[string]any{}
	}
	s.Extensions[name] = value
}

// The method sets k8s.io/apimachinery types use to describe their JSON form.
type (
	swaggerDocer       interface{ SwaggerDoc() map[string]string }
	openAPISchemaTyper interface{ OpenAPISchemaType() []string }
	openAPIFormatter   interface{ OpenAPISchemaFormat() string }
	openAPIV3OneOfer   interface{ OpenAPIV3OneOfTypes() []string }
	openAPIModelNamer  interface{ OpenAPIModelName() string }
)

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	byteSliceType     = reflect.TypeFor[[]byte]()
)

// definitions collects the named schemas reachable from the types it is
// asked about. Each Go struct type becomes one definition.
type definitions struct {
	schemas map[string]*jsonSchema
	goTypes map[string]reflect.Type
	// gvks lists, per Go type, the kinds it is served as; they become the
	// x-kubernetes-group-version-kind extension of its definition.
	gvks map[reflect.Type][]schema.GroupVersionKind
}

func newDefinitions(gvks map[reflect.Type][]schema.GroupVersionKind) *definitions {
	return &definitions{
		schemas: map[string]*jsonSchema{},
		goTypes: map[string]reflect.Type{},
		gvks:    gvks,
	}
}

// refTo returns a reference to the definition of struct type t, defining it
// (and everything it references) first if needed.
func (d *definitions) refTo(t reflect.Type) (*jsonSchema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("openapi: %v is not a struct type", t)
	}
	name := definitionName(t)
	if other, ok := d.goTypes[name]; ok {
		if other != t {
			return nil, fmt.Errorf("openapi: definition %q is claimed by both %v and %v", name, other, t)
		}
		return &jsonSchema{Ref: name}, nil
	}
	// Register before walking the fields so recursive types terminate.
	def := &jsonSchema{}
	d.goTypes[name] = t
	d.schemas[name] = def
	if err := d.fillDefinition(def, name, t); err != nil {
		return nil, err
	}
	return &jsonSchema{Ref: name}, nil
}

// fillDefinition describes struct type t, whose definition is called
// name, in def.
func (d *definitions) fillDefinition(def *jsonSchema, name string, t reflect.Type) error {
	zero := reflect.New(t).Elem().Interface()
	docs := swaggerDocs(t)
	def.Description = docs[""]
	if def.Description == "" {
		def.Description = typeDescriptions[name]
	}

	if typer, ok := zero.(openAPISchemaTyper); ok {
		// A value with its own JSON form (Time, Quantity, IntOrString...).
		if types := typer.OpenAPISchemaType(); len(types) > 0 {
			def.Type = types[0]
		}
		if f, ok := zero.(openAPIFormatter); ok {
			def.Format = f.OpenAPISchemaFormat()
		}
		if o, ok := zero.(openAPIV3OneOfer); ok {
			def.OneOfTypes = o.OpenAPIV3OneOfTypes()
		}
		return nil
	}
	def.Type = "object"
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) {
		// RawExtension, FieldsV1 and the like: arbitrary JSON objects.
		return nil
	}
	props := map[string]*jsonSchema{}
	var required []string
	if err := d.addFields(props, &required, t, docs); err != nil {
		return err
	}
	if len(props) > 0 {
		def.Properties = props
	}
	def.Required = required
	if atomicStructs[name] {
		def.setExtension("x-kubernetes-map-type", "atomic")
	}
	if gvks := d.gvks[t]; len(gvks) > 0 {
		def.setExtension("x-kubernetes-group-version-kind", gvkList(gvks))
	}
	return nil
}

// addFields adds the JSON properties of struct type t (and of the structs
// it inlines) to props.
func (d *definitions) addFields(props map[string]*jsonSchema, required *[]string, t reflect.Type, docs map[string]string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := parseJSONTag(f)
		if tag.skip {
			continue
		}
		if tag.inline {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if err := d.addFields(props, required, ft, swaggerDocs(ft)); err != nil {
				return err
			}
			continue
		}
		prop, err := d.schemaFor(f.Type)
		if err != nil {
			return fmt.Errorf("%v.%s: %w", t, f.Name, err)
		}
		owner := definitionName(t)
		prop.Description = docs[tag.name]
		addPatchExtensions(prop, f)
		applyFieldOverrides(prop, fieldRef{owner, tag.name})
		props[tag.name] = prop
		if isRequired(owner, f, tag) {
			*required = append(*required, tag.name)
		}
	}
	return nil
}

// schemaFor returns the schema of a value of type t as it appears in a
// property, array item or map value: primitives inline, structs by
// reference.
func (d *definitions) schemaFor(t reflect.Type) (*jsonSchema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == byteSliceType || (t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8) {
		return &jsonSchema{Type: "string", Format: "byte"}, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return d.refTo(t)
	case reflect.Slice, reflect.Array:
		items, err := d.schemaFor(t.Elem())
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "array", Items: items}, nil
	case reflect.Map:
		values, err := d.schemaFor(t.Elem())
		if err != nil {
			return nil, err
		}
		return &jsonSchema{Type: "object", AdditionalProperties: values}, nil
	case reflect.Interface:
		return &jsonSchema{Type: "object"}, nil
	case reflect.String:
		return &jsonSchema{Type: "string"}, nil
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}, nil
	case reflect.Int8, reflect.Uint8:
		return &jsonSchema{Type: "integer", Format: "byte"}, nil
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint16:
		return &jsonSchema{Type: "integer", Format: "int32"}, nil
	case reflect.Int64, reflect.Uint32, reflect.Uint64:
		return &jsonSchema{Type: "integer", Format: "int64"}, nil
	case reflect.Float32:
		return &jsonSchema{Type: "number", Format: "float"}, nil
	case reflect.Float64:
		return &jsonSchema{Type: "number", Format: "double"}, nil
	default:
		return nil, fmt.Errorf("openapi: cannot describe Go type %v", t)
	}
}

type jsonTag struct {
	name      string
	omitempty bool
	inline    bool
	skip      bool
}

// parseJSONTag reads a field's json tag the way encoding/json does, with
// the Kubernetes ",inline" convention for embedded structs.
func parseJSONTag(f reflect.StructField) jsonTag {
	tag, hasTag := f.Tag.Lookup("json")
	if tag == "-" {
		return jsonTag{skip: true}
	}
	name, opts, _ := strings.Cut(tag, ",")
	t := jsonTag{name: name}
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "omitempty", "omitzero":
			t.omitempty = true
		case "inline":
			t.inline = true
		}
	}
	if f.Anonymous && name == "" {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			t.inline = true
			return t
		}
	}
	if !f.IsExported() {
		return jsonTag{skip: true}
	}
	if t.name == "" {
		t.name = f.Name
	}
	if !hasTag && f.Anonymous {
		t.inline = true
	}
	return t
}

// isRequired approximates upstream's rule (a field is required unless it is
// omitempty or marked +optional): the markers are comments reflection cannot
// see, so pointers, which upstream uses for optional values, are taken as
// optional, and overrides.go lists the exceptions both ways.
func isRequired(owner string, f reflect.StructField, tag jsonTag) bool {
	ref := fieldRef{owner, tag.name}
	if requiredFields[ref] {
		return true
	}
	if tag.omitempty || f.Type.Kind() == reflect.Pointer {
		return false
	}
	return !optionalFields[ref]
}

// addPatchExtensions copies the strategic merge patch tags into the schema,
// and the list semantics they imply for server-side apply.
func addPatchExtensions(prop *jsonSchema, f reflect.StructField) {
	strategy := f.Tag.Get("patchStrategy")
	key := f.Tag.Get("patchMergeKey")
	if strategy != "" {
		prop.setExtension("x-kubernetes-patch-strategy", strategy)
	}
	if key != "" {
		prop.setExtension("x-kubernetes-patch-merge-key", key)
	}
	if prop.Type != "array" || !strings.Contains(strategy, "merge") {
		return
	}
	if key != "" {
		prop.setExtension("x-kubernetes-list-type", "map")
		prop.setExtension("x-kubernetes-list-map-keys", []string{key})
		return
	}
	if prop.Items != nil && prop.Items.Ref == "" && prop.Items.Type != "object" && prop.Items.Type != "array" {
		prop.setExtension("x-kubernetes-list-type", "set")
	}
}

// swaggerDocs returns the field documentation of struct type t (the "" key
// documents the type itself), or nil when t has none.
func swaggerDocs(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Elem().Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	return nil
}

// definitionName is the upstream name of a Go type's definition: its package
// path in reversed-domain form plus the type name, e.g.
// "io.k8s.api.core.v1.Pod".
func definitionName(t reflect.Type) string {
	if n, ok := reflect.New(t).Elem().Interface().(openAPIModelNamer); ok {
		if name := n.OpenAPIModelName(); name != "" {
			return name
		}
	}
	return friendlyPackageName(t.PkgPath()) + "." + t.Name()
}

// friendlyPackageName turns "k8s.io/api/core/v1" into "io.k8s.api.core.v1".
func friendlyPackageName(pkg string) string {
	parts := strings.Split(pkg, "/")
	if len(parts) > 0 {
		domain := strings.Split(parts[0], ".")
		for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
			domain[i], domain[j] = domain[j], domain[i]
		}
		parts[0] = strings.Join(domain, ".")
	}
	return strings.ReplaceAll(strings.Join(parts, "."), "-", "_")
}

// gvkList renders kinds as the x-kubernetes-group-version-kind list, sorted
// by group, version and kind.
func gvkList(gvks []schema.GroupVersionKind) []any {
	sorted := append([]schema.GroupVersionKind(nil), gvks...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Kind < b.Kind
	})
	out := make([]any, 0, len(sorted))
	for _, gvk := range sorted {
		out = append(out, gvkValue(gvk))
	}
	return out
}

func gvkValue(gvk schema.GroupVersionKind) map[string]any {
	return map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}
