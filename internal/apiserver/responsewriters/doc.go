// Package responsewriters encodes API responses: it negotiates the media
// type a client accepts (JSON, YAML, protobuf, and the meta.k8s.io
// conversions Table/PartialObjectMetadata a caller allows), picks the
// decoder for a request body from its Content-Type, writes objects and
// Warning headers, and turns errors (including storage errors) into
// metav1.Status responses with the upstream codes, reasons and messages.
//
// It must not know about resources, storage keys or verbs: callers hand it
// finished objects.
package responsewriters
