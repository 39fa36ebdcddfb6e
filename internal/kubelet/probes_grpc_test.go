package kubelet

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// startHealthServer serves grpc.health.v1 on loopback.
func startHealthServer(t *testing.T) (*health.Server, int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return hs, int32(l.Addr().(*net.TCPAddr).Port)
}

func TestGRPCProbe(t *testing.T) {
	hs, port := startHealthServer(t)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	plain := grpc.NewServer() // no health service
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = plain.Serve(l) }()
	t.Cleanup(plain.Stop)
	plainPort := int32(l.Addr().(*net.TCPAddr).Port)
	closed := int32(freePort(t))

	for _, tc := range []struct {
		name    string
		port    int32
		service *string
		want    string // "" is success
	}{
		{"serving", port, nil, ""},
		{"named service not serving", port, ptr.To("db"), `service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", port, ptr.To("nope"), "health rpc probe failed"},
		{"no health service", plainPort, nil, "does not implement the grpc health protocol"},
		{"nothing listening", closed, nil, "failed to connect service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := grpcProbe(context.Background(), "127.0.0.1", &v1.GRPCAction{Port: tc.port, Service: tc.service}, 2*time.Second)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				return
			}
			if !errors.Is(err, errProbeFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("probe error = %v, want %q", err, tc.want)
			}
		})
	}
}
