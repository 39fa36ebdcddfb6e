package kubeletapi

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseCRILine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		stream  string
		partial bool
		msg     string
		wantErr bool
	}{
		{name: "full", line: "2026-11-22T10:00:00.123456789Z stdout F hello world\n", stream: "stdout", msg: "hello world"},
		{name: "partial", line: "2026-11-22T10:00:00Z stderr P part", stream: "stderr", partial: true, msg: "part"},
		{name: "empty message", line: "2026-11-22T10:00:00Z stdout F", stream: "stdout", msg: ""},
		{name: "extra tags", line: "2026-11-22T10:00:00Z stdout F:x a", stream: "stdout", msg: "a"},
		{name: "message keeps spaces", line: "2026-11-22T10:00:00Z stdout F  two  spaces ", stream: "stdout", msg: " two  spaces "},
		{name: "bad time", line: "yesterday stdout F x", wantErr: true},
		{name: "bad stream", line: "2026-11-22T10:00:00Z stdin F x", wantErr: true},
		{name: "bad tag", line: "2026-11-22T10:00:00Z stdout X x", wantErr: true},
		{name: "no fields", line: "garbage", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stream, partial, msg, err := parseCRILine([]byte(tt.line))
			if tt.wantErr {
				if !errors.Is(err, errBadLogLine) {
					t.Fatalf("err = %v, want errBadLogLine", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stream != tt.stream || partial != tt.partial || string(msg) != tt.msg {
				t.Fatalf("got (%q, %v, %q), want (%q, %v, %q)", stream, partial, msg, tt.stream, tt.partial, tt.msg)
			}
		})
	}
}

const sampleLog = `2026-11-22T10:00:01.000000000Z stdout F one
2026-11-22T10:00:02.000000000Z stdout P tw
2026-11-22T10:00:02.500000000Z stderr F err-line
2026-11-22T10:00:03.000000000Z stdout F o
not a log line
2026-11-22T10:00:04.000000000Z stdout F three
2026-11-22T10:00:05.000000000Z stderr F four
`

func writeLog(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCopyLog(t *testing.T) {
	path := writeLog(t, sampleLog)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		opts LogOptions
		want string
	}{
		{name: "all", opts: LogOptions{TailLines: -1}, want: "one\nerr-line\ntwo\nthree\nfour\n"},
		{name: "tail 2", opts: LogOptions{TailLines: 2}, want: "three\nfour\n"},
		{name: "tail 0", opts: LogOptions{TailLines: 0}, want: ""},
		{name: "tail more than lines", opts: LogOptions{TailLines: 50}, want: "one\nerr-line\ntwo\nthree\nfour\n"},
		{name: "since", opts: LogOptions{TailLines: -1, Since: at("2026-11-22T10:00:03.5Z")}, want: "three\nfour\n"},
		{name: "since and tail", opts: LogOptions{TailLines: 1, Since: at("2026-11-22T10:00:01.5Z")}, want: "four\n"},
		{name: "limit bytes", opts: LogOptions{TailLines: -1, LimitBytes: 6}, want: "one\ner"},
		{name: "timestamps", opts: LogOptions{TailLines: 2, Timestamps: true},
			want: "2026-11-22T10:00:04.000000000Z three\n2026-11-22T10:00:05.000000000Z four\n"},
		// A joined partial line carries the time of its first part.
		{name: "partial joined with first time", opts: LogOptions{TailLines: -1, Timestamps: true, Since: at("2026-11-22T10:00:01.5Z"), LimitBytes: 60},
			want: "2026-11-22T10:00:02.500000000Z err-line\n2026-11-22T10:00:02."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := copyLog(context.Background(), path, tt.opts, &out, nil, nil); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestCopyLogUnfinishedPartial(t *testing.T) {
	path := writeLog(t, "2026-11-22T10:00:01Z stdout F a\n2026-11-22T10:00:02Z stdout P no newline yet\n")
	var out bytes.Buffer
	if err := copyLog(context.Background(), path, LogOptions{TailLines: -1}, &out, nil, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "a\nno newline yet" {
		t.Fatalf("got %q", out.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCopyLogFollow(t *testing.T) {
	path := writeLog(t, "2026-11-22T10:00:01Z stdout F first\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out syncBuffer
	var mu sync.Mutex
	running := true
	done := make(chan error, 1)
	go func() {
		done <- copyLog(ctx, path, LogOptions{TailLines: -1, Follow: true}, &out, nil, func(context.Context) bool {
			mu.Lock()
			defer mu.Unlock()
			return running
		})
	}()
	waitFor(t, func() bool { return out.String() == "first\n" })
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A line written in two pieces must come out whole.
	_, _ = f.WriteString("2026-11-22T10:00:02Z stdout P sec")
	time.Sleep(2 * followPoll)
	_, _ = f.WriteString("ond-")
	_, _ = f.WriteString("half\n2026-11-22T10:00:03Z stdout F ond\n")
	f.Close()
	waitFor(t, func() bool { return out.String() == "first\nsecond-halfond\n" })
	mu.Lock()
	running = false
	mu.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("follow did not end after the container stopped")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParseLogQuery(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		query    string
		want     LogOptions
		previous bool
		wantErr  string
	}{
		{query: "", want: LogOptions{TailLines: -1}},
		{query: "follow=true&timestamps=1&tailLines=5&limitBytes=10&previous=true", want: LogOptions{Follow: true, Timestamps: true, TailLines: 5, LimitBytes: 10}, previous: true},
		{query: "sinceSeconds=60", want: LogOptions{TailLines: -1, Since: now.Add(-time.Minute)}},
		{query: "sinceTime=2026-11-22T09:00:00Z", want: LogOptions{TailLines: -1, Since: now.Add(-time.Hour)}},
		{query: "sinceTime=2026-11-22T09:00:00Z&sinceSeconds=5", wantErr: "at most one of sinceTime or sinceSeconds"},
		{query: "tailLines=-1", wantErr: "tailLines must be"},
		{query: "limitBytes=0", wantErr: "limitBytes must be"},
		{query: "follow=maybe", wantErr: "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, previous, err := parseLogQuery(q, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Follow != tt.want.Follow || got.Timestamps != tt.want.Timestamps || got.TailLines != tt.want.TailLines ||
				got.LimitBytes != tt.want.LimitBytes || !got.Since.Equal(tt.want.Since) || previous != tt.previous {
				t.Fatalf("got %+v previous=%v, want %+v previous=%v", got, previous, tt.want, tt.previous)
			}
		})
	}
}
