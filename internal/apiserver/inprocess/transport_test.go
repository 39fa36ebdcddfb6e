package inprocess

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var testIdentity = &x509.Certificate{Raw: []byte("client"), SerialNumber: nil}

func newTestTransport(t *testing.T, base context.Context, h http.HandlerFunc) *Transport {
	t.Helper()
	tr, err := NewTransport(base, h, nil, testIdentity)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// trackedBody records whether the transport closed a request body.
type trackedBody struct {
	io.Reader
	closed chan struct{}
}

func (b *trackedBody) Close() error { close(b.closed); return nil }

func TestNewTransportRejectsMissingParts(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if _, err := NewTransport(context.Background(), nil, nil, testIdentity); err == nil {
		t.Error("no handler: want an error")
	}
	if _, err := NewTransport(context.Background(), h, nil); err == nil {
		t.Error("no identity: want an error")
	}
}

func TestRoundTripBufferedResponse(t *testing.T) {
	type seen struct {
		method, path, query, uri, host, remote, proto, body string
		peer                                                *x509.Certificate
	}
	got := make(chan seen, 1)
	tr := newTestTransport(t, context.Background(), func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, uri: r.RequestURI,
			host: r.Host, remote: r.RemoteAddr, proto: r.Proto, body: string(body)}
		if r.TLS != nil && len(r.TLS.VerifiedChains) == 1 {
			s.peer = r.TLS.VerifiedChains[0][0]
		}
		got <- s
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Header().Set("X-Too-Late", "ignored")
		_, _ = w.Write([]byte(`{"kind":`))
		_, _ = w.Write([]byte(`"Pod"}`))
	})
	reqBody := &trackedBody{Reader: strings.NewReader("payload"), closed: make(chan struct{})}
	req, err := http.NewRequest(http.MethodPost, "https://127.0.0.1:6443/api/v1/namespaces/a/pods?fieldManager=x", reqBody)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || resp.Status != "201 Created" {
		t.Errorf("status = %d %q", resp.StatusCode, resp.Status)
	}
	if string(body) != `{"kind":"Pod"}` || resp.ContentLength != int64(len(body)) {
		t.Errorf("body %q, ContentLength %d", body, resp.ContentLength)
	}
	if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Too-Late") != "" {
		t.Errorf("header = %v: want the one at WriteHeader", resp.Header)
	}
	s := <-got
	want := seen{method: "POST", path: "/api/v1/namespaces/a/pods", query: "fieldManager=x",
		uri: "/api/v1/namespaces/a/pods?fieldManager=x", host: "127.0.0.1:6443", remote: remoteAddr,
		proto: "HTTP/2.0", body: "payload", peer: testIdentity}
	if s != want {
		t.Errorf("handler saw %+v, want %+v", s, want)
	}
	select {
	case <-reqBody.closed:
	case <-time.After(5 * time.Second):
		t.Error("request body not closed")
	}
}

func TestHandlerWritingNothingAnswersOK(t *testing.T) {
	tr := newTestTransport(t, context.Background(), func(http.ResponseWriter, *http.Request) {})
	req, _ := http.NewRequest(http.MethodDelete, "https://loopback/x", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != 0 {
		t.Errorf("got %d %q (length %d), want an empty 200", resp.StatusCode, body, resp.ContentLength)
	}
}

// streamHandler writes and flushes one line per value it is sent, and
// reports how its request ended.
func streamHandler(lines <-chan string, ended chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;stream=watch")
		w.(http.Flusher).Flush()
		for {
			select {
			case l := <-lines:
				if _, err := w.Write([]byte(l + "\n")); err != nil {
					ended <- err
					return
				}
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				ended <- r.Context().Err()
				return
			}
		}
	}
}

func readLine(t *testing.T, r io.Reader) string {
	t.Helper()
	var b [1]byte
	var line []byte
	for {
		if _, err := r.Read(b[:]); err != nil {
			t.Fatalf("read: %v", err)
		}
		if b[0] == '\n' {
			return string(line)
		}
		line = append(line, b[0])
	}
}

func waitEnded(t *testing.T, ended <-chan error) error {
	t.Helper()
	select {
	case err := <-ended:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("handler still running")
		return nil
	}
}

func TestStreamEndsWhenClientClosesBody(t *testing.T) {
	lines, ended := make(chan string), make(chan error, 1)
	tr := newTestTransport(t, context.Background(), streamHandler(lines, ended))
	req, _ := http.NewRequest(http.MethodGet, "https://loopback/api/v1/pods?watch=true", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != -1 || resp.Header.Get("Content-Type") != "application/json;stream=watch" {
		t.Errorf("stream response: length %d, header %v", resp.ContentLength, resp.Header)
	}
	for _, want := range []string{"one", "two"} {
		lines <- want
		if got := readLine(t, resp.Body); got != want {
			t.Errorf("read %q, want %q", got, want)
		}
	}
	resp.Body.Close()
	if err := waitEnded(t, ended); !errors.Is(err, context.Canceled) {
		t.Errorf("handler ended with %v, want its context canceled", err)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
		t.Error("read after close succeeded")
	}
}

func TestStreamEndsWithClientContext(t *testing.T) {
	lines, ended := make(chan string), make(chan error, 1)
	tr := newTestTransport(t, context.Background(), streamHandler(lines, ended))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://loopback/watch", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	readErr := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(make([]byte, 8))
		readErr <- err
	}()
	cancel()
	if err := waitEnded(t, ended); !errors.Is(err, context.Canceled) {
		t.Errorf("handler ended with %v, want its context canceled", err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("blocked read returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read still blocked after the client's context ended")
	}
}

func TestStreamEndsWithBaseContext(t *testing.T) {
	base, stop := context.WithCancel(context.Background())
	lines, ended := make(chan string), make(chan error, 1)
	tr := newTestTransport(t, base, streamHandler(lines, ended))
	req, _ := http.NewRequest(http.MethodGet, "https://loopback/watch", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	stop()
	if err := waitEnded(t, ended); !errors.Is(err, context.Canceled) {
		t.Errorf("handler ended with %v, want its context canceled", err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Errorf("body after the handler returned: %v, want a clean end", err)
	}
}

func TestLargeBodyStreamsBeforeTheHandlerReturns(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	const chunks = 3 * handOverSize / (64 << 10)
	returned := make(chan struct{})
	tr := newTestTransport(t, context.Background(), func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		for range chunks {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	req, _ := http.NewRequest(http.MethodGet, "https://loopback/api/v1/pods", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Nothing is read yet: the handler must be waiting for the client, not
	// buffering all three megabytes.
	select {
	case <-returned:
		t.Fatal("handler returned before the client read: writes did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != chunks*len(chunk) {
		t.Errorf("read %d bytes, want %d", len(body), chunks*len(chunk))
	}
}

func TestHandlerPanic(t *testing.T) {
	t.Run("before the response", func(t *testing.T) {
		tr := newTestTransport(t, context.Background(), func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
		req, _ := http.NewRequest(http.MethodGet, "https://loopback/x", nil)
		if _, err := tr.RoundTrip(req); !errors.Is(err, errHandlerAborted) {
			t.Errorf("RoundTrip error = %v, want errHandlerAborted", err)
		}
	})
	t.Run("mid-stream", func(t *testing.T) {
		tr := newTestTransport(t, context.Background(), func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		})
		req, _ := http.NewRequest(http.MethodGet, "https://loopback/x", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if !errors.Is(err, errHandlerAborted) || string(body) != "partial" {
			t.Errorf("body %q, error %v: want the partial body, then errHandlerAborted", body, err)
		}
	})
}

func TestHeadHasNoBody(t *testing.T) {
	tr := newTestTransport(t, context.Background(), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		_, _ = w.Write([]byte("hello"))
	})
	req, _ := http.NewRequest(http.MethodHead, "https://loopback/x", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Body != http.NoBody || resp.Header.Get("Content-Length") != "5" {
		t.Errorf("HEAD response body %v, header %v", resp.Body, resp.Header)
	}
}
