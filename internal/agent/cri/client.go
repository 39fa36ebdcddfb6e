package cri

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMsgSize matches the limit the upstream kubelet uses for CRI messages:
// large ListContainers answers go past gRPC's 4 MiB default.
const maxMsgSize = 16 * 1024 * 1024

// Client holds one gRPC connection to a CRI runtime.
type Client struct {
	Runtime runtimeapi.RuntimeServiceClient
	Images  runtimeapi.ImageServiceClient

	conn *grpc.ClientConn
}

// ErrInvalidEndpoint is returned by Dial for an endpoint that is not a unix
// socket.
var ErrInvalidEndpoint = errors.New("cri: endpoint must be unix:///path or an absolute socket path")

// Dial connects to the CRI endpoint ("unix:///run/x.sock" or "/run/x.sock").
// The connection is made lazily: Dial does not wait for the runtime, use
// Version (or the first call) to find out whether it answers.
func Dial(ctx context.Context, endpoint string) (*Client, error) {
	_ = ctx // kept for the signature: dialing is lazy with grpc.NewClient
	target, err := normalizeEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(maxMsgSize),
			grpc.MaxCallSendMsgSize(maxMsgSize),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("cri: dial %s: %w", endpoint, err)
	}
	return &Client{
		Runtime: runtimeapi.NewRuntimeServiceClient(conn),
		Images:  runtimeapi.NewImageServiceClient(conn),
		conn:    conn,
	}, nil
}

// Version asks the runtime for its name and version.
func (c *Client) Version(ctx context.Context) (*runtimeapi.VersionResponse, error) {
	resp, err := c.Runtime.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		return nil, fmt.Errorf("cri: version: %w", err)
	}
	return resp, nil
}

// Close releases the connection.
func (c *Client) Close() error {
	return c.conn.Close()
}

// SocketPath returns the file system path of a unix endpoint, accepting the
// same forms as Dial.
func SocketPath(endpoint string) (string, error) {
	target, err := normalizeEndpoint(endpoint)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(target, "unix://"), nil
}

func normalizeEndpoint(endpoint string) (string, error) {
	switch {
	case strings.HasPrefix(endpoint, "unix:///"):
		return endpoint, nil
	case strings.HasPrefix(endpoint, "/"):
		return "unix://" + endpoint, nil
	default:
		return "", fmt.Errorf("%w: %q", ErrInvalidEndpoint, endpoint)
	}
}
