// Package configmap holds the core/v1 configmaps resource: key and size
// validation, the `immutable: true` rule on updates, and the table (DATA
// counts data and binaryData keys). No I/O.
package configmap
