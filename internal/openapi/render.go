package openapi

// dialect is the OpenAPI version a document is rendered in.
type dialect int

const (
	v2 dialect = iota
	v3
)

func (d dialect) ref(name string) map[string]any {
	if d == v2 {
		return map[string]any{"$ref": "#/definitions/" + name}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// render turns s into its JSON form in dialect d. In v3 a reference that
// carries a description or extensions is wrapped in allOf, as upstream does,
// so that the siblings of $ref are not ignored.
func (s *jsonSchema) render(d dialect) map[string]any {
	out := map[string]any{}
	if s.Description != "" {
		out["description"] = s.Description
	}
	for k, v := range s.Extensions {
		out[k] = v
	}
	if s.Ref != "" {
		ref := d.ref(s.Ref)
		if d == v3 && len(out) > 0 {
			out["allOf"] = []any{ref}
			return out
		}
		out["$ref"] = ref["$ref"]
		return out
	}
	if d == v3 && len(s.OneOfTypes) > 0 {
		oneOf := make([]any, 0, len(s.OneOfTypes))
		for _, t := range s.OneOfTypes {
			oneOf = append(oneOf, map[string]any{"type": t})
		}
		out["oneOf"] = oneOf
	} else if s.Type != "" {
		out["type"] = s.Type
	}
	if s.Format != "" {
		out["format"] = s.Format
	}
	if s.Default != nil {
		out["default"] = s.Default
	}
	if s.Items != nil {
		out["items"] = s.Items.render(d)
	}
	if s.AdditionalProperties != nil {
		out["additionalProperties"] = s.AdditionalProperties.render(d)
	}
	if len(s.Properties) > 0 {
		props := make(map[string]any, len(s.Properties))
		for name, p := range s.Properties {
			props[name] = p.render(d)
		}
		out["properties"] = props
	}
	if len(s.Required) > 0 {
		out["required"] = s.Required
	}
	return out
}

// refs calls fn with the name of every definition s references directly.
func (s *jsonSchema) refs(fn func(string)) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		fn(s.Ref)
	}
	s.Items.refs(fn)
	s.AdditionalProperties.refs(fn)
	for _, p := range s.Properties {
		p.refs(fn)
	}
}
