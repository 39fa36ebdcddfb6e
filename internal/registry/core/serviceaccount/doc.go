// Package serviceaccount holds the core/v1 serviceaccounts resource:
// metadata validation with upstream's service account name rule and the
// NAME SECRETS AGE table. Token minting is not here. No I/O.
package serviceaccount
