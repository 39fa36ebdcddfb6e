// Package e2e drives a real `nauta server` process with the real kubectl
// binaries found on the machine, the way users do. It builds the binary
// when NAUTA_BIN does not point at one.
package e2e
