package storage

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// continueVersion is the only continue token format; clients treat tokens
// as opaque, but the format matches upstream so tokens stay meaningful
// across API server restarts and versions.
const continueVersion = "meta.k8s.io/v1"

type continueToken struct {
	APIVersion string `json:"v"`
	// ResourceVersion is the revision the list is read at; -1 continues at
	// the newest revision (after the original one was compacted).
	ResourceVersion int64 `json:"rv"`
	// StartKey is the key to read from, relative to the list's prefix.
	StartKey string `json:"start"`
}

// encodeContinue returns the token that continues a list under prefix at
// key (a full key below prefix) and revision rev.
func encodeContinue(key, prefix string, rev int64) (string, error) {
	rel := strings.TrimPrefix(key, prefix)
	if rel == key {
		return "", fmt.Errorf("continue key %q is not under prefix %q", key, prefix)
	}
	data, err := json.Marshal(continueToken{APIVersion: continueVersion, ResourceVersion: rev, StartKey: rel})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

// decodeContinue returns the full key and revision a token continues at.
// The start key is cleaned so a crafted token cannot reach above prefix.
func decodeContinue(token, prefix string) (key string, rev int64, err error) {
	invalid := func(detail string) error {
		return NewError(ErrInvalidContinue, prefix, 0, "continue key is not valid: "+detail)
	}
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, invalid(err.Error())
	}
	var c continueToken
	if err := json.Unmarshal(data, &c); err != nil {
		return "", 0, invalid(err.Error())
	}
	if c.APIVersion != continueVersion {
		return "", 0, invalid(fmt.Sprintf("server does not recognize this encoded version %q", c.APIVersion))
	}
	if c.ResourceVersion == 0 {
		return "", 0, invalid("incorrect encoded start resourceVersion")
	}
	if c.StartKey == "" {
		return "", 0, invalid("encoded start key empty")
	}
	rel := c.StartKey
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	if cleaned := path.Clean(rel); cleaned != rel {
		return "", 0, invalid(c.StartKey)
	}
	return prefix + rel[1:], c.ResourceVersion, nil
}
