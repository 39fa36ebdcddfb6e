package controller

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// scripted answers Reconcile from a per-key list of results and records
// when each call happened.
type scripted struct {
	mu      sync.Mutex
	results map[string][]error
	calls   map[string][]time.Time
	done    chan string // receives a key when its script is used up
}

func (s *scripted) Reconcile(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[key] = append(s.calls[key], time.Now())
	rs := s.results[key]
	if len(rs) == 0 {
		return nil
	}
	err := rs[0]
	s.results[key] = rs[1:]
	if len(rs) == 1 {
		s.done <- key
	}
	return err
}

func TestRunWorkers(t *testing.T) {
	tests := []struct {
		name      string
		results   []error
		wantCalls int
		minGap    time.Duration
	}{
		{name: "success", results: []error{nil}, wantCalls: 1},
		{name: "error is retried", results: []error{errors.New("boom"), errors.New("boom"), nil}, wantCalls: 3},
		{name: "requeue after", results: []error{RequeueAfter(300*time.Millisecond, "waiting"), nil}, wantCalls: 2, minGap: 300 * time.Millisecond},
		{name: "wrapped requeue after", results: []error{errorsJoinRequeue(200 * time.Millisecond), nil}, wantCalls: 2, minGap: 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scripted{
				results: map[string][]error{"k": tt.results},
				calls:   map[string][]time.Time{},
				done:    make(chan string, 1),
			}
			queue := NewQueue("", nil)
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() {
				RunWorkers(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), queue, 2, r)
				close(stopped)
			}()
			queue.Add("k")
			select {
			case <-r.done:
			case <-time.After(10 * time.Second):
				t.Fatal("script not used up")
			}
			// Give a wrongly scheduled extra call the chance to happen.
			time.Sleep(50 * time.Millisecond)
			cancel()
			select {
			case <-stopped:
			case <-time.After(10 * time.Second):
				t.Fatal("RunWorkers did not stop")
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			calls := r.calls["k"]
			if len(calls) != tt.wantCalls {
				t.Fatalf("got %d calls, want %d", len(calls), tt.wantCalls)
			}
			if tt.minGap > 0 && calls[1].Sub(calls[0]) < tt.minGap {
				t.Errorf("requeued after %v, want at least %v", calls[1].Sub(calls[0]), tt.minGap)
			}
			if n := queue.NumRequeues("k"); n != 0 {
				t.Errorf("key still tracked by the rate limiter: %d requeues", n)
			}
		})
	}
}

func errorsJoinRequeue(d time.Duration) error {
	return errors.Join(RequeueAfter(d, "wrapped"))
}

func TestNamespaceActive(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name string
		ns   v1.Namespace
		want bool
	}{
		{"active", v1.Namespace{Status: v1.NamespaceStatus{Phase: v1.NamespaceActive}}, true},
		{"no phase", v1.Namespace{}, true},
		{"terminating", v1.Namespace{Status: v1.NamespaceStatus{Phase: v1.NamespaceTerminating}}, false},
		{"deleted", v1.Namespace{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NamespaceActive(&tt.ns); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
