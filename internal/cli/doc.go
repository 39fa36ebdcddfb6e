// Package cli is the nauta command line: the root command and one file per
// subcommand (server, kubectl, version). Subcommands parse flags into the
// typed Config of the component they start and hand over; they hold no
// component logic themselves.
package cli
