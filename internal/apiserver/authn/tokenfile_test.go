package authn

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeTokenFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewTokenFile(t *testing.T) {
	path := writeTokenFile(t, `# token,user,uid,groups
admin-token,admin,uid-1,"system:masters,ops"
bob-token,bob,uid-2

kubelet-token,system:node:n1,uid-3,system:nodes
`)
	a, err := NewTokenFile(path)
	if err != nil {
		t.Fatalf("NewTokenFile: %v", err)
	}
	if a.Len() != 3 {
		t.Errorf("Len %d", a.Len())
	}
	tests := []struct {
		header string
		want   *User
		ok     bool
		err    error
	}{
		{"Bearer admin-token", &User{Name: "admin", UID: "uid-1", Groups: []string{"system:masters", "ops", SystemAuthenticated}}, true, nil},
		{"bearer bob-token", &User{Name: "bob", UID: "uid-2", Groups: []string{SystemAuthenticated}}, true, nil},
		{"Bearer kubelet-token", &User{Name: "system:node:n1", UID: "uid-3", Groups: []string{"system:nodes", SystemAuthenticated}}, true, nil},
		{"Bearer nope", nil, false, ErrInvalidToken},
		{"", nil, false, nil},
		{"Basic YWRtaW46YWRtaW4=", nil, false, nil},
		{"Bearer", nil, false, nil},
		{"Bearer ", nil, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			u, ok, err := a.Authenticate(r)
			if !errors.Is(err, tt.err) || ok != tt.ok || !reflect.DeepEqual(u, tt.want) {
				t.Errorf("got %+v %v %v, want %+v %v %v", u, ok, err, tt.want, tt.ok, tt.err)
			}
			if ok && r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization header kept after authentication")
			}
		})
	}
}

func TestNewTokenFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"too few columns", "good,user,uid\nbad,user\n", "line 2: want at least 3 columns"},
		{"empty token", "good,user,uid\n,user2,uid2\n", "line 2: empty token"},
		{"empty user", " t1 , ,uid\n", "line 1: empty user name"},
		{"duplicate token", "t1,a,1\nt1,b,2\n", "line 2: duplicate token"},
		{"bad quoting", "t1,a,1,\"g1\n", "token file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTokenFile(writeTokenFile(t, tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := NewTokenFile(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
}

// staticAuth answers every request the same way.
type staticAuth struct {
	user *User
	ok   bool
	err  error
}

func (s staticAuth) Authenticate(*http.Request) (*User, bool, error) { return s.user, s.ok, s.err }

func TestUnion(t *testing.T) {
	alice := &User{Name: "alice"}
	bad := errors.New("bad credentials")
	tests := []struct {
		name  string
		auths []Authenticator
		user  *User
		ok    bool
		err   error
	}{
		{"none", nil, nil, false, nil},
		{"first wins", []Authenticator{staticAuth{user: alice, ok: true}, staticAuth{user: &User{Name: "bob"}, ok: true}}, alice, true, nil},
		{"skips nothing-found", []Authenticator{staticAuth{}, staticAuth{user: alice, ok: true}}, alice, true, nil},
		{"skips errors when another succeeds", []Authenticator{staticAuth{err: bad}, staticAuth{user: alice, ok: true}}, alice, true, nil},
		{"error when none succeeds", []Authenticator{staticAuth{err: bad}, staticAuth{}}, nil, false, bad},
		{"nil skipped", []Authenticator{nil, staticAuth{user: alice, ok: true}}, alice, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, err := Union(tt.auths...).Authenticate(httptest.NewRequest(http.MethodGet, "/", nil))
			if u != tt.user || ok != tt.ok || !errors.Is(err, tt.err) {
				t.Errorf("got %v %v %v", u, ok, err)
			}
		})
	}
}
