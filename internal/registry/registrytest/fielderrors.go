package registrytest

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ErrorFields returns the field path of each error, in order.
func ErrorFields(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// AssertFieldErrors fails t when errs has no error at one of the want paths,
// or, when want is empty, when errs is not empty. Extra errors are allowed.
func AssertFieldErrors(t testing.TB, errs field.ErrorList, want ...string) {
	t.Helper()
	if len(want) == 0 && len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	got := ErrorFields(errs)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s in %v", w, errs)
		}
	}
}

// AssertFirstFieldError fails t unless the first error in errs is at the
// want path; want "" means errs must be empty.
func AssertFirstFieldError(t testing.TB, errs field.ErrorList, want string) {
	t.Helper()
	got := ""
	if len(errs) > 0 {
		got = errs[0].Field
	}
	if got != want {
		t.Errorf("errors = %v, want %q", errs, want)
	}
}

// AssertOnlyFieldError stops t unless errs holds exactly one error, at the
// want path; want "" means errs must be empty.
func AssertOnlyFieldError(t testing.TB, errs field.ErrorList, want string) {
	t.Helper()
	if want == "" && len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if want != "" && (len(errs) != 1 || errs[0].Field != want) {
		t.Fatalf("errors = %v, want one at %s", errs, want)
	}
}
