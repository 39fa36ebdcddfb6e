// Package procmem keeps a long-running Nauta process's resident memory
// close to what it actually uses.
package procmem

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// TrimAfterStartup returns the heap garbage of one-off start-up work, such
// as building the OpenAPI documents from the Go types, to the operating
// system at once.
//
// It also releases the executable's read-only pages that start-up touched
// (ReleaseStartupBinaryPages), so what stays resident is what the running
// process keeps using.
func TrimAfterStartup(log *slog.Logger) {
	debug.FreeOSMemory()
	released, err := ReleaseStartupBinaryPages()
	if err != nil {
		log.Warn("could not release the binary's start-up pages", "err", err)
	}
	log.Debug("returned start-up memory to the operating system", "binaryMappingBytes", released)
}

// ServerGCPercent is the garbage collector target `nauta server` runs with
// while quiet, unless the GOGC environment variable says otherwise; under
// load GCTuner raises it.
//
// Why 50 and not Go's 100: the API server's heap is mostly long-lived (the
// watch cache, etcd's index) with short bursts of garbage per request, and
// at 100 the runtime lets the heap grow to twice the live data before
// collecting. At 50 the server holds about a third less memory after heavy
// load (docs/benchmarks.md) for a few percent more CPU in the collector;
// Prometheus makes the same trade with 75.
const ServerGCPercent = 50

// SetDefaultGCPercent applies percent unless GOGC is set in the
// environment, which always wins; it reports whether it applied percent.
func SetDefaultGCPercent(log *slog.Logger, percent int) bool {
	if v, ok := os.LookupEnv("GOGC"); ok {
		log.Debug("GC target from the environment", "GOGC", v)
		return false
	}
	debug.SetGCPercent(percent)
	return true
}
