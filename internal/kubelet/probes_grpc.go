package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// probeUserAgent is what probes present, as upstream's "kube-probe/<minor>".
const probeUserAgent = "kube-probe/1.37"

// errProbeFailed marks a probe that ran and found the container unhealthy.
var errProbeFailed = errors.New("probe failed")

// grpcProbe calls grpc.health.v1.Health/Check on the pod IP and port with
// the probe's service name, without TLS, as upstream's gRPC probe does;
// only SERVING passes. Messages follow upstream's.
func grpcProbe(ctx context.Context, host string, g *v1.GRPCAction, timeout time.Duration) error {
	addr := net.JoinHostPort(host, strconv.Itoa(int(g.Port)))
	service := ""
	if g.Service != nil {
		service = *g.Service
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent(probeUserAgent))
	if err != nil {
		return fmt.Errorf("%w: failed to connect service %q: %v", errProbeFailed, addr, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		st, ok := status.FromError(err)
		switch {
		case ok && st.Code() == codes.Unimplemented:
			return fmt.Errorf("%w: this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", errProbeFailed, st.Message())
		case ok && st.Code() == codes.DeadlineExceeded:
			return fmt.Errorf("%w: timeout: health rpc did not complete within %v", errProbeFailed, timeout)
		case ok && st.Code() == codes.Unavailable:
			return fmt.Errorf("%w: timeout: failed to connect service %q within %v: %v", errProbeFailed, addr, timeout, st.Message())
		}
		return fmt.Errorf("%w: error: health rpc probe failed: %v", errProbeFailed, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("%w: service unhealthy (responded with %q)", errProbeFailed, resp.GetStatus().String())
	}
	return nil
}
