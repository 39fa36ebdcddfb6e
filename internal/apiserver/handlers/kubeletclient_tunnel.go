package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// Port forwarding SPDY tunneled in WebSocket (kubectl port-forward 1.31+
// asks for it first): the client speaks SPDY/3.1 inside WebSocket binary
// messages. Runtimes' streaming servers only take SPDY upgrades, so the
// tunnel is opened here and its bytes copied to and from a plain SPDY
// upgrade to the kubelet.
const (
	tunnelPrefix      = "SPDY/3.1+"
	portForwardV1Name = "portforward.k8s.io"
	tunnelPortForward = tunnelPrefix + portForwardV1Name
)

// wantsTunnel reports whether r asks for SPDY tunneled in WebSocket.
func wantsTunnel(r *http.Request) bool {
	if !wsstream.IsWebSocketRequest(r) {
		return false
	}
	for _, h := range r.Header.Values("Sec-Websocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if strings.TrimSpace(p) == tunnelPortForward {
				return true
			}
		}
	}
	return false
}

// tunnelToSPDY upgrades the kubelet connection to SPDY first (so failures
// still reach the client as an HTTP answer it can fall back on), then
// accepts the client's WebSocket and copies bytes both ways.
func (kc *kubeletClient) tunnelToSPDY(w http.ResponseWriter, r *http.Request, target *url.URL, onError func(error)) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target.String(), nil)
	if err != nil {
		onError(err)
		return
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	req.Header.Set("X-Stream-Protocol-Version", portForwardV1Name)
	resp, err := kc.transport.RoundTrip(req)
	if err != nil {
		onError(errDialing(err))
		return
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		onError(kubeletError(resp))
		return
	}
	backend, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		onError(errors.New("kubelet upgrade: response body is not writable"))
		return
	}
	defer backend.Close()

	upgrader := websocket.Upgrader{
		Subprotocols: []string{tunnelPortForward},
		// Same-origin checks are for browsers; callers here authenticated.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client
	}
	defer ws.Close()

	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			_ = ws.Close()
			_ = backend.Close()
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer closeBoth()
		for {
			typ, msg, err := ws.NextReader()
			if err != nil {
				return
			}
			if typ != websocket.BinaryMessage {
				return
			}
			if _, err := io.Copy(backend, msg); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := backend.Read(buf)
		if n > 0 {
			if werr := ws.WriteMessage(websocket.BinaryMessage, buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			break
		}
	}
	closeBoth()
	<-done
}
