package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"time"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"

	nautaversion "github.com/nauta/nauta/internal/version"
)

func info() map[string]any {
	return map[string]any{"title": "Kubernetes", "version": nautaversion.Get().GitVersion}
}

var bearerToken = map[string]any{
	"type":        "apiKey",
	"in":          "header",
	"name":        "authorization",
	"description": "Bearer Token authentication",
}

// render turns the routes and definitions into the served documents.
func render(routes []route, defs *definitions) (*Spec, error) {
	if err := checkRefs(routes, defs); err != nil {
		return nil, err
	}
	s := &Spec{built: time.Now(), v3: map[string]*servedDoc{}}

	// v2: one document with everything.
	v2Defs := make(map[string]any, len(defs.schemas))
	for name, d := range defs.schemas {
		v2Defs[name] = d.render(v2)
	}
	v2Paths := map[string]any{}
	v2Params := sharedParams{}
	for _, r := range routes {
		if _, dup := v2Paths[r.Path]; dup {
			return nil, fmt.Errorf("openapi: path %s is described twice", r.Path)
		}
		v2Paths[r.Path] = r.render(v2, v2Params)
	}
	v2JSON, err := json.Marshal(map[string]any{
		"swagger":             "2.0",
		"info":                info(),
		"paths":               v2Paths,
		"definitions":         v2Defs,
		"parameters":          v2Params,
		"securityDefinitions": map[string]any{"BearerToken": bearerToken},
		"security":            []any{map[string]any{"BearerToken": []any{}}},
	})
	if err != nil {
		return nil, fmt.Errorf("openapi: encoding v2 document: %w", err)
	}
	s.v2 = newServedDoc(v2JSON, v2Protobuf)
	if _, err := s.v2.gzipProtobuf(); err != nil {
		return nil, err
	}

	// v3: one document per group version (and per discovery endpoint),
	// each with only the schemas its paths reach.
	byDoc := map[string][]route{}
	for _, r := range routes {
		byDoc[r.Doc] = append(byDoc[r.Doc], r)
	}
	v3Defs := map[string]any{}
	discovery := map[string]any{}
	for key, rs := range byDoc {
		paths := map[string]any{}
		var roots []string
		for _, r := range rs {
			paths[r.Path] = r.render(v3, nil)
			for _, op := range r.Ops {
				roots = append(roots, op.defs()...)
			}
		}
		schemas := map[string]any{}
		for _, name := range defs.closure(roots) {
			if _, ok := v3Defs[name]; !ok {
				v3Defs[name] = defs.schemas[name].render(v3)
			}
			schemas[name] = v3Defs[name]
		}
		docJSON, err := json.Marshal(map[string]any{
			"openapi": "3.0.0",
			"info":    info(),
			"paths":   paths,
			"components": map[string]any{
				"schemas":         schemas,
				"securitySchemes": map[string]any{"BearerToken": bearerToken},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("openapi: encoding v3 document %s: %w", key, err)
		}
		doc := newServedDoc(docJSON, v3Protobuf)
		s.v3[key] = doc
		discovery[key] = map[string]any{"serverRelativeURL": v3URL(key, doc.etag)}
	}
	discoveryJSON, err := json.Marshal(map[string]any{"paths": discovery})
	if err != nil {
		return nil, fmt.Errorf("openapi: encoding v3 discovery: %w", err)
	}
	s.v3Discovery = newServedDoc(discoveryJSON, nil)
	return s, nil
}

// v3URL is the server-relative URL of a v3 document at a given hash.
func v3URL(key, hash string) string {
	return "/openapi/v3/" + key + "?" + url.Values{"hash": {hash}}.Encode()
}

func v2Protobuf(data []byte) ([]byte, error) {
	doc, err := openapiv2.ParseDocument(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: parsing v2 document for protobuf: %w", err)
	}
	return proto.Marshal(doc)
}

func v3Protobuf(data []byte) ([]byte, error) {
	doc, err := openapiv3.ParseDocument(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: parsing v3 document for protobuf: %w", err)
	}
	return proto.Marshal(doc)
}

// checkRefs reports operations naming definitions that were never made.
func checkRefs(routes []route, defs *definitions) error {
	for _, r := range routes {
		for _, op := range r.Ops {
			for _, name := range op.defs() {
				if defs.schemas[name] == nil {
					return fmt.Errorf("openapi: %s %s refers to unknown definition %q", op.Method, r.Path, name)
				}
			}
		}
	}
	return nil
}

// closure returns the given definitions and all they reference, sorted.
func (d *definitions) closure(roots []string) []string {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		d.schemas[name].refs(visit)
	}
	for _, name := range roots {
		visit(name)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// defs lists the definitions an operation's bodies use.
func (op *operation) defs() []string {
	var out []string
	if op.Body != "" {
		out = append(out, op.Body)
	}
	for _, r := range op.Responses {
		out = append(out, r.Def)
	}
	return out
}

// sharedParams collects parameters that operations reference instead of
// repeating them (v2 only: it makes the document several times smaller).
// kubectl's field validation check follows these references.
type sharedParams map[string]any

// ref returns a reference to p, adding p to the shared parameters. The
// name carries a hash of p so that parameters of the same name but
// different documentation do not collide.
func (sp sharedParams) ref(p param) map[string]any {
	sum := sha256.Sum256([]byte(p.In + "\x00" + p.Type + "\x00" + p.Description))
	key := p.Name + "-" + hex.EncodeToString(sum[:])[:8]
	sp[key] = p.render(v2)
	return map[string]any{"$ref": "#/parameters/" + key}
}

// renderParams renders ps inline, or as references into shared if given.
func renderParams(ps []param, d dialect, shared sharedParams) []any {
	out := make([]any, 0, len(ps))
	for _, p := range ps {
		if shared != nil {
			out = append(out, shared.ref(p))
		} else {
			out = append(out, p.render(d))
		}
	}
	return out
}

func (r route) render(d dialect, shared sharedParams) map[string]any {
	out := map[string]any{}
	if len(r.Params) > 0 {
		out["parameters"] = renderParams(r.Params, d, shared)
	}
	for _, op := range r.Ops {
		out[op.Method] = op.render(d, shared)
	}
	return out
}

func (op *operation) render(d dialect, shared sharedParams) map[string]any {
	out := map[string]any{
		"description": op.Description,
		"operationId": op.ID,
		"tags":        []string{op.Tag},
	}
	if op.Action != "" {
		out["x-kubernetes-action"] = op.Action
	}
	if op.GVK != nil {
		out["x-kubernetes-group-version-kind"] = gvkValue(*op.GVK)
	}
	var params []any
	if op.Body != "" && d == v2 {
		body := map[string]any{"name": "body", "in": "body", "schema": d.ref(op.Body)}
		if op.BodyRequired {
			body["required"] = true
		}
		params = append(params, body)
	}
	params = append(params, renderParams(op.Params, d, shared)...)
	if len(params) > 0 {
		out["parameters"] = params
	}
	responses := map[string]any{"401": map[string]any{"description": "Unauthorized"}}
	if d == v2 {
		out["consumes"] = op.Consumes
		out["produces"] = op.Produces
		out["schemes"] = []string{"https"}
		for _, r := range op.Responses {
			responses[r.Code] = map[string]any{"description": r.Description, "schema": d.ref(r.Def)}
		}
	} else {
		if op.Body != "" {
			body := map[string]any{"content": content(op.Consumes, d.ref(op.Body))}
			if op.BodyRequired {
				body["required"] = true
			}
			out["requestBody"] = body
		}
		for _, r := range op.Responses {
			responses[r.Code] = map[string]any{"description": r.Description, "content": content(op.Produces, d.ref(r.Def))}
		}
	}
	out["responses"] = responses
	return out
}

func content(mediaTypes []string, schema map[string]any) map[string]any {
	out := make(map[string]any, len(mediaTypes))
	for _, mt := range mediaTypes {
		out[mt] = map[string]any{"schema": schema}
	}
	return out
}
