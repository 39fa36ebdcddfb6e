// Package columns holds the table column definitions every core/v1 kind
// shares (NAME, AGE) and the cell helpers their printers use. It knows no
// kind and does no I/O.
package columns
