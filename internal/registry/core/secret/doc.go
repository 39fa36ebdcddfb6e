// Package secret holds the core/v1 secrets resource: stringData folded
// into data and type Opaque by default, key, size and per-type validation
// (service account token, dockercfg, dockerconfigjson, basic-auth,
// ssh-auth, tls), immutability of type and of `immutable: true` secrets,
// the `type` field selector and the table. No I/O.
package secret
