package inprocess

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// handOverSize is how much body a handler may write before its response
// is handed to the client even without a flush; past it, writes wait for
// the client to read (a large list streams instead of piling up).
const handOverSize = 1 << 20

// errBodyClosed is what a handler's writes return once the client closed
// the response body.
var errBodyClosed = errors.New("in-process client closed the response body")

// responseWriter is the http.ResponseWriter (and http.Flusher) handlers
// write to.
type responseWriter struct {
	header http.Header
	body   *bodyPipe

	status int         // 0 until the header is written
	sent   http.Header // header as of WriteHeader

	once       sync.Once
	handedOver chan struct{}
	failure    error // set before handedOver closes when there is no response
	length     int64 // whole body length when known at hand-over, else -1
}

// newResponseWriter returns a writer whose handler's request context is
// ended by release: when the handler returns or the client closes the body.
func newResponseWriter(release func()) *responseWriter {
	return &responseWriter{
		header:     http.Header{},
		body:       newBodyPipe(release),
		handedOver: make(chan struct{}),
		length:     -1,
	}
}

func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader records the status and the header as they are now, like a
// server does; 1xx statuses are not passed on.
func (w *responseWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.write(p, w.handOver)
}

// Flush hands the response over; later writes reach the client as they
// are made.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.handOver()
}

// FlushError is Flush for http.ResponseController.
func (w *responseWriter) FlushError() error {
	w.Flush()
	return w.body.readErr()
}

// finish ends the body when the handler returned: cleanly (err nil) or
// aborted. A handler that wrote nothing answers 200, as with net/http.
func (w *responseWriter) finish(err error) {
	defer w.body.release()
	if err != nil && w.status == 0 {
		w.once.Do(func() {
			w.failure = err
			close(w.handedOver)
		})
		w.body.closeWrite(err)
		return
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if err == nil {
		err = io.EOF
	}
	w.body.closeWrite(err)
	w.once.Do(func() {
		if err == io.EOF {
			w.length = int64(w.body.buffered())
		}
		close(w.handedOver)
	})
}

func (w *responseWriter) handOver() {
	w.once.Do(func() { close(w.handedOver) })
}

// response is the client's view of the handed-over response.
func (w *responseWriter) response(req *http.Request) *http.Response {
	resp := &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        w.sent,
		Body:          w.body,
		ContentLength: w.length,
		Request:       req,
	}
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
		w.body.Close()
	}
	return resp
}

// bodyPipe is a response body the handler writes and the client reads:
// writes are buffered up to handOverSize, then wait for reads.
type bodyPipe struct {
	mu      sync.Mutex
	changed sync.Cond
	buf     bytes.Buffer
	werr    error // io.EOF or the abort error once the handler is done
	rerr    error // set when the client closed the body or gave up
	release func()
	// clientCtx is the request's context; stopClient stops watching it.
	clientCtx  context.Context
	stopClient func() bool
}

func newBodyPipe(release func()) *bodyPipe {
	p := &bodyPipe{release: release}
	p.changed.L = &p.mu
	return p
}

func (p *bodyPipe) buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Len()
}

// write appends b. When that would take the buffer past handOverSize it
// calls full, which hands the response to the client, and waits for reads.
func (p *bodyPipe) write(b []byte, full func()) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.rerr == nil && p.buf.Len() > 0 && p.buf.Len()+len(b) > handOverSize {
		full()
		p.changed.Wait()
	}
	if p.rerr != nil {
		return 0, errBodyClosed
	}
	p.buf.Write(b)
	p.changed.Broadcast()
	return len(b), nil
}

func (p *bodyPipe) readErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rerr != nil {
		return errBodyClosed
	}
	return nil
}

// closeWrite ends the body after what is buffered with err (io.EOF when
// the handler returned normally).
func (p *bodyPipe) closeWrite(err error) {
	p.mu.Lock()
	if p.werr == nil {
		p.werr = err
	}
	p.changed.Broadcast()
	p.mu.Unlock()
}

// closeRead makes reads fail with err and writes fail: the client is gone.
func (p *bodyPipe) closeRead(err error) {
	p.mu.Lock()
	if p.rerr == nil {
		p.rerr = err
	}
	p.buf.Reset()
	p.changed.Broadcast()
	p.mu.Unlock()
	p.release()
}

func (p *bodyPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.buf.Len() == 0 && p.werr == nil && p.rerr == nil {
		p.changed.Wait()
	}
	if p.rerr != nil {
		return 0, p.rerr
	}
	if p.buf.Len() > 0 {
		n, _ := p.buf.Read(b)
		p.changed.Broadcast()
		return n, nil
	}
	if err := p.clientCtx.Err(); err != nil {
		// The handler may have seen the client give up first.
		return 0, err
	}
	return 0, p.werr
}

// Close is the client closing the body: the handler's context ends and
// its further writes fail.
func (p *bodyPipe) Close() error {
	p.closeRead(errors.New("http: read on closed response body"))
	if p.stopClient != nil {
		p.stopClient()
	}
	return nil
}
