package openapi

import (
	"reflect"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// param is one path or query parameter of an operation.
type param struct {
	Name        string
	In          string // "path" or "query"
	Description string
	Type        string // "string", "boolean" or "integer"
	Required    bool
}

func (p param) render(d dialect) map[string]any {
	out := map[string]any{"name": p.Name, "in": p.In}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.Required {
		out["required"] = true
	}
	if d == v2 {
		out["type"] = p.Type
		out["uniqueItems"] = true
	} else {
		out["schema"] = map[string]any{"type": p.Type, "uniqueItems": true}
	}
	return out
}

func pathParam(name, description string) param {
	return param{Name: name, In: "path", Description: description, Type: "string", Required: true}
}

var (
	prettyParam    = param{Name: "pretty", In: "query", Type: "string", Description: "If 'true', the response is indented for human readers."}
	namespaceParam = pathParam("namespace", "namespace the object lives in")
)

func nameParam(kind string) param {
	return pathParam("name", "name of the "+kind)
}

// The query parameters of each kind of operation, taken from the option
// structs the server decodes them into, with their documentation.
var (
	listParams             = queryParams(reflect.TypeFor[metav1.ListOptions]())
	createParams           = queryParams(reflect.TypeFor[metav1.CreateOptions]())
	updateParams           = queryParams(reflect.TypeFor[metav1.UpdateOptions]())
	patchParams            = queryParams(reflect.TypeFor[metav1.PatchOptions]())
	deleteParams           = queryParams(reflect.TypeFor[metav1.DeleteOptions]())
	deleteCollectionParams = sortParams(append(append([]param(nil), deleteParams...),
		without(listParams, "watch", "allowWatchBookmarks")...))
)

// queryParams describes the scalar fields of an options struct (the ones
// that can be given in a query string).
func queryParams(t reflect.Type) []param {
	docs := swaggerDocs(t)
	var out []param
	for i := range t.NumField() {
		f := t.Field(i)
		tag := parseJSONTag(f)
		if tag.skip || tag.inline {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		var typ string
		switch ft.Kind() {
		case reflect.String:
			typ = "string"
		case reflect.Bool:
			typ = "boolean"
		case reflect.Int, reflect.Int32, reflect.Int64:
			typ = "integer"
		default:
			continue // structs such as preconditions are body-only
		}
		out = append(out, param{Name: tag.name, In: "query", Description: docs[tag.name], Type: typ})
	}
	return sortParams(out)
}

func sortParams(ps []param) []param {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

func without(ps []param, names ...string) []param {
	var out []param
	for _, p := range ps {
		drop := false
		for _, n := range names {
			drop = drop || p.Name == n
		}
		if !drop {
			out = append(out, p)
		}
	}
	return out
}
