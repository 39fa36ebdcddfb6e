// Package pki owns the cluster's certificates and the admin kubeconfig: on
// first start it creates a CA and the certificates signed by it under
// DATA_DIR/tls, and on later starts it reuses them, re-issuing a leaf only
// when it is missing, about to expire, or (for the serving certificate) no
// longer carries the wanted names. It never replaces an existing CA: that
// would invalidate every credential handed out, so a damaged CA is an error
// for the operator to resolve.
//
// It must not know about HTTP servers or etcd; callers get plain
// crypto/tls and crypto/x509 values and file paths.
package pki
