// Package registrytest holds the small assertions the registry kinds' tests
// share, such as checking which field paths a validation reported.
//
// It is imported by _test.go files only; it must not hold production code
// or start storage.
package registrytest
