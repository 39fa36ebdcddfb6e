package kubeletapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// timestampFormat is how log timestamps are written with timestamps=true:
// RFC 3339 with a fixed nine digits of fraction, as the upstream kubelet
// writes them.
const timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// LogOptions are the containerLogs query options that shape the output.
type LogOptions struct {
	Follow     bool
	Timestamps bool
	// TailLines < 0 means all lines.
	TailLines int64
	// LimitBytes <= 0 means no limit.
	LimitBytes int64
	// Since, when not zero, drops entries logged before it.
	Since time.Time
}

// logEntry is one CRI log line; partial lines are joined before this.
type logEntry struct {
	time   time.Time
	stream string // stdout or stderr
	msg    []byte // without the trailing newline
	// full is false for the last partial line of a file that ended
	// before the line was finished.
	full bool
}

// errBadLogLine is wrapped by parseCRILine for lines not in CRI format.
var errBadLogLine = errors.New("not a CRI log line")

// parseCRILine splits "<RFC3339Nano> <stream> <tags> <message>". The first
// tag is F (full line) or P (partial: the line continues in the next entry).
func parseCRILine(line []byte) (t time.Time, stream string, partial bool, msg []byte, err error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	ts, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return t, "", false, nil, fmt.Errorf("%w: no timestamp in %q", errBadLogLine, line)
	}
	t, err = time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return t, "", false, nil, fmt.Errorf("%w: timestamp: %w", errBadLogLine, err)
	}
	s, rest, ok := bytes.Cut(rest, []byte(" "))
	if !ok || (string(s) != "stdout" && string(s) != "stderr") {
		return t, "", false, nil, fmt.Errorf("%w: bad stream in %q", errBadLogLine, line)
	}
	tags, msg, ok := bytes.Cut(rest, []byte(" "))
	if !ok {
		// "<time> stdout F" with an empty message and no space after.
		tags, msg = rest, nil
	}
	first, _, _ := bytes.Cut(tags, []byte(":"))
	switch string(first) {
	case "F":
	case "P":
		partial = true
	default:
		return t, "", false, nil, fmt.Errorf("%w: bad tag %q", errBadLogLine, tags)
	}
	return t, string(s), partial, msg, nil
}

// logReader turns a CRI log file into entries, joining partial lines. A
// partial line is joined only within its stream, as the runtime writes
// stdout and stderr lines interleaved.
type logReader struct {
	r       *bufio.Reader
	pending map[string]*logEntry
	// buf holds a line read up to EOF without its newline yet (a writer
	// in the middle of a write); follow mode completes it.
	buf []byte
}

func newLogReader(r io.Reader) *logReader {
	return &logReader{r: bufio.NewReaderSize(r, 64*1024), pending: map[string]*logEntry{}}
}

// next returns the next complete entry, or io.EOF when the data read so far
// holds none. Lines that do not parse are skipped.
func (lr *logReader) next() (logEntry, error) {
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return logEntry{}, err // the unfinished line stays in buf
		}
		line := lr.buf
		lr.buf = nil
		t, stream, partial, msg, perr := parseCRILine(line)
		if perr != nil {
			continue
		}
		p := lr.pending[stream]
		if partial {
			if p == nil {
				p = &logEntry{time: t, stream: stream}
				lr.pending[stream] = p
			}
			p.msg = append(p.msg, msg...)
			continue
		}
		if p != nil {
			delete(lr.pending, stream)
			p.msg = append(p.msg, msg...)
			p.full = true
			return *p, nil
		}
		return logEntry{time: t, stream: stream, msg: append([]byte(nil), msg...), full: true}, nil
	}
}

// flushPending returns the partial lines left at the end of a file that
// is not going to grow, oldest first.
func (lr *logReader) flushPending() []logEntry {
	var out []logEntry
	for _, s := range []string{"stdout", "stderr"} {
		if p := lr.pending[s]; p != nil {
			out = append(out, *p)
			delete(lr.pending, s)
		}
	}
	return out
}

// logWriter writes entries in the kubectl logs format and enforces
// limitBytes.
type logWriter struct {
	w         io.Writer
	opts      LogOptions
	remaining int64 // < 0: unlimited
}

// errLimitReached ends a copy once limitBytes were written.
var errLimitReached = errors.New("log limit reached")

func newLogWriter(w io.Writer, opts LogOptions) *logWriter {
	lw := &logWriter{w: w, opts: opts, remaining: -1}
	if opts.LimitBytes > 0 {
		lw.remaining = opts.LimitBytes
	}
	return lw
}

func (lw *logWriter) write(e logEntry) error {
	if !lw.opts.Since.IsZero() && e.time.Before(lw.opts.Since) {
		return nil
	}
	var line []byte
	if lw.opts.Timestamps {
		line = append(line, e.time.UTC().Format(timestampFormat)...)
		line = append(line, ' ')
	}
	line = append(line, e.msg...)
	if e.full {
		line = append(line, '\n')
	}
	if lw.remaining >= 0 && int64(len(line)) >= lw.remaining {
		line = line[:lw.remaining]
		lw.remaining = 0
		if _, err := lw.w.Write(line); err != nil {
			return err
		}
		return errLimitReached
	}
	if lw.remaining > 0 {
		lw.remaining -= int64(len(line))
	}
	_, err := lw.w.Write(line)
	return err
}

// followPoll is how often a followed log file is checked for new data.
const followPoll = 200 * time.Millisecond

// copyLog writes the log file at path to w as opts ask. With Follow it
// keeps writing new lines until ctx ends or stillRunning reports the
// container stopped and the file has no more data. flush is called after
// each burst of lines (nil: never).
func copyLog(ctx context.Context, path string, opts LogOptions, w io.Writer, flush func(), stillRunning func(context.Context) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	lr := newLogReader(f)
	lw := newLogWriter(w, opts)

	// The whole file first: tailLines needs the last N entries of it.
	var tail []logEntry
	for {
		e, err := lr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("read log: %w", err)
		}
		if !opts.Since.IsZero() && e.time.Before(opts.Since) {
			continue
		}
		if opts.TailLines >= 0 {
			if opts.TailLines == 0 {
				continue
			}
			if int64(len(tail)) == opts.TailLines {
				tail = tail[1:]
			}
			tail = append(tail, e)
			continue
		}
		if err := lw.write(e); err != nil {
			return limitOK(err)
		}
	}
	for _, e := range tail {
		if err := lw.write(e); err != nil {
			return limitOK(err)
		}
	}
	if !opts.Follow {
		for _, e := range lr.flushPending() {
			if err := lw.write(e); err != nil {
				return limitOK(err)
			}
		}
		return nil
	}
	if flush != nil {
		flush()
	}
	idle := 0
	ticker := time.NewTicker(followPoll)
	defer ticker.Stop()
	for {
		wrote := false
		for {
			e, err := lr.next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("read log: %w", err)
			}
			if err := lw.write(e); err != nil {
				return limitOK(err)
			}
			wrote = true
		}
		if wrote {
			idle = 0
			if flush != nil {
				flush()
			}
		} else {
			idle++
			// About once a second of silence, check the container is
			// still there to write more.
			if idle%5 == 0 && stillRunning != nil && !stillRunning(ctx) {
				for _, e := range lr.flushPending() {
					if err := lw.write(e); err != nil {
						return limitOK(err)
					}
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

func limitOK(err error) error {
	if errors.Is(err, errLimitReached) {
		return nil
	}
	return err
}
