package procmem

import (
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"testing"
)

func TestSetDefaultGCPercent(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	tests := []struct {
		name string
		env  string // "" means GOGC unset
		want int
	}{
		{name: "unset uses the server default", want: ServerGCPercent},
		{name: "environment wins", env: "200", want: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			if tt.env != "" {
				t.Setenv("GOGC", tt.env)
			} else {
				t.Setenv("GOGC", "")
				if err := os.Unsetenv("GOGC"); err != nil {
					t.Fatal(err)
				}
			}
			SetDefaultGCPercent(log, ServerGCPercent)
			if got := debug.SetGCPercent(100); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}
