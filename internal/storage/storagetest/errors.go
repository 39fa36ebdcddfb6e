package storagetest

import (
	"errors"
	"testing"
)

// ExpectError checks a table case's error: err must match want (errors.Is)
// when want is set, and be nil otherwise. It reports whether an error was
// wanted, that is whether the case has nothing more to check.
func ExpectError(t testing.TB, err, want error) bool {
	t.Helper()
	if want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}
