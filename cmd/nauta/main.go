// Command nauta is the single Nauta binary: `nauta server`, `nauta kubectl`,
// `nauta version`.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/nauta/nauta/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	level := new(slog.LevelVar)
	opts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if isTerminal(os.Stderr) {
		handler = slog.NewTextHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(handler))
	ctx = cli.WithLogLevel(ctx, level)

	if err := cli.NewRootCommand(ctx).ExecuteContext(ctx); err != nil {
		stop()
		os.Exit(1)
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
