package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// runner runs the netfilter tools. The proxy itself runs them in its own
// network namespace; tests point the runner at a throwaway one so the host
// ruleset is never touched.
type runner interface {
	// run runs name with args and stdin, returning stdout; a failure
	// carries stderr.
	run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error)
	// writeSysctl sets /proc/sys/<key> (key with slashes) in the runner's
	// network namespace.
	writeSysctl(ctx context.Context, key, value string) error
	// has reports whether the tool is installed.
	has(name string) bool
}

// execRunner runs tools as child processes, inside the named network
// namespace (/var/run/netns/<name>) when netns is set.
type execRunner struct {
	netns string
	// cpu, when set, adds up the CPU time of the children (benchmarks
	// report it: wall time is noisy on a shared machine).
	cpu *atomic.Int64
}

// errToolFailed marks a netfilter tool that ran and failed.
var errToolFailed = errors.New("command failed")

func (r execRunner) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	if r.netns != "" {
		args = append([]string{"--net=" + filepath.Join("/var/run/netns", r.netns), "--", name}, args...)
		name = "nsenter"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if r.cpu != nil && cmd.ProcessState != nil {
		r.cpu.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return stdout.Bytes(), fmt.Errorf("%s %s: %w: %v: %s", name, strings.Join(shortArgs(args), " "), errToolFailed, err, msg)
	}
	return stdout.Bytes(), nil
}

func shortArgs(args []string) []string {
	if len(args) > 8 {
		return append(args[:8:8], "...")
	}
	return args
}

func (r execRunner) writeSysctl(ctx context.Context, key, value string) error {
	path := filepath.Join("/proc/sys", key)
	if r.netns == "" {
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
		}
		return nil
	}
	// /proc/sys/net follows the writer's network namespace.
	_, err := r.run(ctx, nil, "sh", "-c", fmt.Sprintf("echo %s > %s", value, path))
	return err
}

func (r execRunner) has(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
