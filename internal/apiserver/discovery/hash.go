package discovery

import (
	"crypto/sha256"
	"encoding/base64"
)

// StorageVersionHash returns the opaque hash clients (the storage version
// migrator, garbage collector caches) compare to notice that a resource's
// storage version changed: base64 of the first 8 bytes of the SHA-256 of
// "group/version/kind", the same value upstream reports.
func StorageVersionHash(group, version, kind string) string {
	sum := sha256.Sum256([]byte(group + "/" + version + "/" + kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}
