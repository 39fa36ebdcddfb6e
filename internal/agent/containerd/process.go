package containerd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nauta/nauta/internal/agent/cri"
)

// ErrNotFound is wrapped by Start when the containerd or runc binary is not
// installed.
var ErrNotFound = errors.New("not found: install the Debian package containerd (apt-get install containerd runc)")

// Timing of startup and supervision.
const (
	readyTimeout   = 60 * time.Second
	readyPoll      = 100 * time.Millisecond
	stopGrace      = 10 * time.Second
	backoffInitial = time.Second
	backoffMax     = 30 * time.Second
	// A containerd that stayed up this long is healthy again: the next
	// crash restarts it after backoffInitial.
	backoffReset = time.Minute
)

// Process is a supervised containerd started by Start.
type Process struct {
	cfg    Config
	paths  paths
	binary string
	log    *slog.Logger

	stopOnce sync.Once
	stopping chan struct{} // closed by Stop
	done     chan struct{} // closed when supervision ended

	mu       sync.Mutex
	cmd      *exec.Cmd // the running containerd, nil between restarts
	restarts int
}

// Start writes the configuration, starts containerd and returns once its CRI
// service answers Version. ctx bounds only the startup; containerd keeps
// running (and is restarted with backoff when it dies) until Stop.
//
// A containerd left behind by an earlier agent on the same DataDir is
// stopped first; containers survive that, their shims are separate
// processes.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	binary, err := exec.LookPath("containerd")
	if err != nil {
		return nil, fmt.Errorf("containerd %w", ErrNotFound)
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, fmt.Errorf("runc %w", ErrNotFound)
	}
	p := &Process{
		cfg:      cfg,
		paths:    newPaths(cfg.DataDir),
		binary:   binary,
		log:      cfg.Logger.With("component", "containerd"),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
	}
	if err := writeFiles(cfg, p.paths); err != nil {
		return nil, err
	}
	if err := p.stopStale(ctx); err != nil {
		return nil, err
	}
	exited, err := p.spawn()
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx, exited); err != nil {
		p.killCurrent()
		<-exited
		return nil, err
	}
	p.log.Info("containerd ready", "endpoint", p.Endpoint(), "pid", p.pid())
	go p.supervise(exited)
	return p, nil
}

// Endpoint is the CRI endpoint of this containerd ("unix:///...").
func (p *Process) Endpoint() string {
	return "unix://" + p.paths.socket
}

// Address is the socket path, as `ctr --address` wants it.
func (p *Process) Address() string {
	return p.paths.socket
}

// Restarts counts how often supervision restarted a containerd that died,
// for the agent's metrics and node conditions.
func (p *Process) Restarts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// Stop ends supervision and stops containerd: SIGTERM, then SIGKILL when
// ctx ends or after a grace period. Running containers are left to their
// shims, as upstream does when the runtime restarts; remove them through
// CRI first to leave no processes behind. Stop is idempotent.
func (p *Process) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() { close(p.stopping) })
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		p.killCurrent()
		<-p.done
		return ctx.Err()
	}
}

// spawn starts one containerd and returns a channel closed when it exits.
func (p *Process) spawn() (<-chan struct{}, error) {
	rotateLog(p.paths.log)
	logFile, err := os.OpenFile(p.paths.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("containerd: open log: %w", err)
	}
	// A socket left by a killed containerd would make listen fail.
	_ = os.Remove(p.paths.socket)
	_ = os.Remove(p.paths.socket + ".ttrpc")

	cmd := exec.Command(p.binary, "--config", p.paths.config)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Own process group: a Ctrl-C meant for the agent must not reach
	// containerd directly; the agent decides when it stops.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("containerd: start %s: %w", p.binary, err)
	}
	_ = os.WriteFile(p.paths.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)

	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()

	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		logFile.Close()
		p.mu.Lock()
		if p.cmd == cmd {
			p.cmd = nil
		}
		p.mu.Unlock()
		select {
		case <-p.stopping:
			p.log.Info("containerd stopped", "pid", cmd.Process.Pid)
		default:
			p.log.Warn("containerd exited", "pid", cmd.Process.Pid, "err", err)
		}
		close(exited)
	}()
	return exited, nil
}

// waitReady polls CRI Version until it answers, containerd exits, or the
// startup deadline passes.
func (p *Process) waitReady(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client, err := cri.Dial(ctx, p.Endpoint())
	if err != nil {
		return err
	}
	defer client.Close()
	var lastErr error
	for {
		if _, err := os.Stat(p.paths.socket); err == nil {
			callCtx, callCancel := context.WithTimeout(ctx, 2*time.Second)
			_, lastErr = client.Version(callCtx)
			callCancel()
			if lastErr == nil {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("containerd exited during startup; last log lines:\n%s", p.logTail(20))
		case <-ctx.Done():
			return fmt.Errorf("containerd: CRI did not answer at %s: %w (last error: %v); last log lines:\n%s",
				p.Endpoint(), ctx.Err(), lastErr, p.logTail(20))
		case <-time.After(readyPoll):
		}
	}
}

// supervise restarts containerd with exponential backoff until Stop.
func (p *Process) supervise(exited <-chan struct{}) {
	defer close(p.done)
	backoff := backoffInitial
	started := time.Now()
	for {
		select {
		case <-p.stopping:
			p.terminate(exited)
			return
		case <-exited:
		}
		if time.Since(started) > backoffReset {
			backoff = backoffInitial
		}
		for {
			p.log.Info("restarting containerd", "backoff", backoff)
			select {
			case <-p.stopping:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, backoffMax)
			var err error
			exited, err = p.spawn()
			if err == nil {
				started = time.Now()
				p.mu.Lock()
				p.restarts++
				p.mu.Unlock()
				break
			}
			p.log.Error("containerd restart failed", "err", err)
		}
	}
}

// terminate sends SIGTERM and waits for the exit, killing after stopGrace.
func (p *Process) terminate(exited <-chan struct{}) {
	p.signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopGrace):
		p.log.Warn("containerd did not stop in time; killing it")
		p.killCurrent()
		<-exited
	}
	_ = os.Remove(p.paths.pidFile)
}

func (p *Process) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

func (p *Process) killCurrent() { p.signal(syscall.SIGKILL) }

func (p *Process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// stopStale stops a containerd recorded in the pid file that still runs
// with this config, e.g. after the agent was killed.
func (p *Process) stopStale(ctx context.Context) error {
	data, err := os.ReadFile(p.paths.pidFile)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return nil
	}
	if !p.isOurs(pid) {
		return nil
	}
	p.log.Info("stopping containerd left by an earlier agent", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(stopGrace)
	for p.isOurs(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(stopGrace)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containerd: waiting for stale pid %d: %w", pid, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// isOurs tells whether pid is a live containerd started with our config
// (a zombie or a reused pid is not).
func (p *Process) isOurs(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(cmdline) == 0 {
		return false
	}
	return bytes.Contains(cmdline, []byte(p.paths.config))
}

// maxLogSize is where rotateLog moves containerd.log aside to
// containerd.log.1 (replacing an older one), so the log cannot fill the disk
// over many restarts.
const maxLogSize = 50 << 20

func rotateLog(path string) {
	if st, err := os.Stat(path); err == nil && st.Size() > maxLogSize {
		_ = os.Rename(path, path+".1")
	}
}

// logTail returns the last n lines of containerd's log, for error messages.
func (p *Process) logTail(n int) string {
	data, err := os.ReadFile(p.paths.log)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
