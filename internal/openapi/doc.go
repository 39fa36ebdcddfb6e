// Package openapi builds the OpenAPI v2 (/openapi/v2) and v3 (/openapi/v3)
// documents describing every served resource, and serves them.
//
// Schemas are derived by reflection from the Go types of k8s.io/api (json
// tags, patch tags and the types' SwaggerDoc() descriptions); paths come from
// the registry.Resource list. Everything is built once in New and served as
// cached bytes with ETags, the way kubectl's (cached) OpenAPI clients expect.
//
// The package must not reach into storage or the registry's strategies: it
// only reads the static description of each Resource. It does not serve
// discovery (/api, /apis) itself, it only documents those endpoints.
package openapi
