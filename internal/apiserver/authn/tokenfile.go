package authn

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// ErrInvalidToken is returned for a bearer token the token file does not
// know.
var ErrInvalidToken = errors.New("invalid bearer token")

// TokenFile authenticates "Authorization: Bearer <token>" requests against a
// static CSV file (--token-auth-file), one user per line:
//
//	token,user,uid,"group1,group2"
//
// The groups column is optional. Blank lines and lines starting with # are
// ignored. The file is read once.
type TokenFile struct {
	tokens map[string]*User
}

var _ Authenticator = (*TokenFile)(nil)

// NewTokenFile reads and parses the token file at path.
func NewTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading token file: %w", err)
	}
	defer f.Close()
	return parseTokenFile(f, path)
}

func parseTokenFile(in io.Reader, name string) (*TokenFile, error) {
	r := csv.NewReader(in)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	tokens := map[string]*User{}
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("token file %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if len(record) < 3 {
			return nil, fmt.Errorf("token file %s line %d: want at least 3 columns (token, user name, uid), found %d", name, line, len(record))
		}
		token, userName, uid := strings.TrimSpace(record[0]), strings.TrimSpace(record[1]), strings.TrimSpace(record[2])
		switch {
		case token == "":
			return nil, fmt.Errorf("token file %s line %d: empty token", name, line)
		case userName == "":
			return nil, fmt.Errorf("token file %s line %d: empty user name", name, line)
		case tokens[token] != nil:
			return nil, fmt.Errorf("token file %s line %d: duplicate token (user %q)", name, line, userName)
		}
		var groups []string
		if len(record) >= 4 {
			for _, g := range strings.Split(record[3], ",") {
				if g = strings.TrimSpace(g); g != "" {
					groups = append(groups, g)
				}
			}
		}
		tokens[token] = &User{Name: userName, UID: uid, Groups: withAuthenticatedGroup(groups)}
	}
	return &TokenFile{tokens: tokens}, nil
}

// Len returns how many tokens the file holds.
func (a *TokenFile) Len() int { return len(a.tokens) }

// Authenticate implements Authenticator.
func (a *TokenFile) Authenticate(r *http.Request) (*User, bool, error) {
	token, ok := BearerToken(r)
	if !ok {
		return nil, false, nil
	}
	u := a.tokens[token]
	if u == nil {
		return nil, false, ErrInvalidToken
	}
	// Proxied requests (pods/proxy, services/proxy) must not carry the
	// caller's credentials to the backend.
	r.Header.Del("Authorization")
	return &User{Name: u.Name, UID: u.UID, Groups: append([]string(nil), u.Groups...)}, true, nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header; ok is false when there is none.
func BearerToken(r *http.Request) (token string, ok bool) {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, found := strings.Cut(auth, " ")
	if !found || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(rest)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
