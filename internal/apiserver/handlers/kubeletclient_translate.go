package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/remotecommand"
	clientspdy "k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// protocolV5 is the WebSocket remote command protocol with the stdin close
// signal. Runtimes' streaming servers (containerd 1.6) do not speak it, so
// exec and attach requests asking for it are translated here, as upstream
// API servers do: WebSocket towards the client, SPDY towards the kubelet.
const protocolV5 = "v5.channel.k8s.io"

// Channel numbers of the remote command WebSocket protocols.
const (
	chanStdin = iota
	chanStdout
	chanStderr
	chanError
	chanResize
)

// translatedStreams are the streams a translated request asks for.
type translatedStreams struct {
	stdin, stdout, stderr, tty bool
}

// wantsV5 reports whether r is a WebSocket upgrade offering the v5
// protocol.
func wantsV5(r *http.Request) bool {
	if !wsstream.IsWebSocketRequest(r) {
		return false
	}
	return wsstream.IsWebSocketRequestWithStreamCloseProtocol(r)
}

// translateToSPDY accepts the client's v5 WebSocket, runs the command on
// the kubelet at target over SPDY, and reports the result on the error
// channel as a Status.
func (kc *kubeletClient) translateToSPDY(w http.ResponseWriter, r *http.Request, target *url.URL, streams translatedStreams, onError func(error)) {
	rt, err := spdy.NewRoundTripperWithConfig(spdy.RoundTripperConfig{TLS: kc.transport.TLSClientConfig, PingPeriod: 5 * time.Second})
	if err != nil {
		onError(err)
		return
	}
	exe, err := remotecommand.NewSPDYExecutorForTransports(rt, clientspdy.NewUpgraderForStreaming(rt), http.MethodPost, target)
	if err != nil {
		onError(err)
		return
	}
	channels := make([]wsstream.ChannelType, 5)
	if streams.stdin {
		channels[chanStdin] = wsstream.ReadChannel
	}
	channels[chanStdout] = wsstream.WriteChannel
	channels[chanStderr] = wsstream.WriteChannel
	channels[chanError] = wsstream.WriteChannel
	if streams.tty {
		channels[chanResize] = wsstream.ReadChannel
	}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		protocolV5: {Binary: true, Channels: channels},
	})
	conn.SetIdleTimeout(4 * time.Hour)
	_, rwc, err := conn.Open(w, r)
	if err != nil {
		// Open answered the client already.
		return
	}
	defer conn.Close()

	opts := remotecommand.StreamOptions{Tty: streams.tty}
	if streams.stdin {
		opts.Stdin = rwc[chanStdin]
	}
	if streams.stdout {
		opts.Stdout = rwc[chanStdout]
	}
	if streams.stderr && !streams.tty {
		opts.Stderr = rwc[chanStderr]
	}
	if streams.tty {
		opts.TerminalSizeQueue = newResizeQueue(r.Context(), rwc[chanResize])
	}
	err = exe.StreamWithContext(r.Context(), opts)
	_, _ = rwc[chanError].Write(remoteStatus(err))
}

// remoteStatus encodes a command's outcome the way the error channel
// carries it, as upstream's stream translator reports it: success, the
// exit code as a cause for a failed command, a Status error as it is, and
// anything else (an upgrade the kubelet refused, a lost connection) as an
// internal error.
func remoteStatus(err error) []byte {
	st := metav1.Status{Status: metav1.StatusSuccess}
	var statusErr *apierrors.StatusError
	var exitErr utilexec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &statusErr):
		st = statusErr.ErrStatus
	case errors.As(err, &exitErr) && exitErr.Exited():
		st = metav1.Status{
			Status:  metav1.StatusFailure,
			Reason:  "NonZeroExitCode",
			Message: fmt.Sprintf("command terminated with non-zero exit code: %v", err),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{
				Type: "ExitCode", Message: strconv.Itoa(exitErr.ExitStatus()),
			}}},
		}
	default:
		st = apierrors.NewInternalError(err).ErrStatus
	}
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	data, _ := json.Marshal(&st)
	return data
}

// resizeQueue turns the resize channel's JSON messages into terminal sizes.
type resizeQueue struct {
	sizes chan *remotecommand.TerminalSize
}

func newResizeQueue(ctx context.Context, r io.Reader) *resizeQueue {
	q := &resizeQueue{sizes: make(chan *remotecommand.TerminalSize, 1)}
	go func() {
		defer close(q.sizes)
		dec := json.NewDecoder(r)
		for {
			var size remotecommand.TerminalSize
			if err := dec.Decode(&size); err != nil {
				return
			}
			select {
			case q.sizes <- &size:
			case <-ctx.Done():
				return
			}
		}
	}()
	return q
}

// Next returns the next size, or nil when the client is gone.
func (q *resizeQueue) Next() *remotecommand.TerminalSize {
	return <-q.sizes
}
