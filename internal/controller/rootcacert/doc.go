// Package rootcacert is the root CA certificate publisher: every active
// namespace gets a ConfigMap "kube-root-ca.crt" whose "ca.crt" is the
// cluster CA bundle, so pods can verify the API server. The ConfigMap is
// re-created when deleted and rewritten when its data or description
// annotation drift. It talks to the API server only through client-go.
package rootcacert
