package proxy

import (
	"context"
	"log/slog"
	"strconv"
)

// UDP has no connection teardown: a conntrack entry keeps sending a
// client's datagrams to an endpoint that is gone (or, once a Service had no
// endpoints, nowhere) until it times out. After each sync the proxy deletes
// those entries with the conntrack tool (package "conntrack"); without it
// the entries simply age out, and the proxy says so once.

// udpTarget is one UDP destination of a service port and the endpoints
// its traffic goes to.
type udpTarget struct {
	IP       string // empty for a NodePort
	Port     int32
	NodePort bool
}

func udpTargets(ports []servicePort) map[udpTarget][]endpoint {
	out := map[udpTarget][]endpoint{}
	for i := range ports {
		sp := &ports[i]
		if sp.Name.Protocol != "UDP" {
			continue
		}
		if sp.ClusterIP != "" {
			out[udpTarget{IP: sp.ClusterIP, Port: sp.Port}] = sp.internalEndpoints()
		}
		ext := sp.ClusterEndpoints
		if sp.ExternalLocal {
			ext = sp.LocalEndpoints
		}
		for _, ip := range sp.ExternalIPs {
			out[udpTarget{IP: ip, Port: sp.Port}] = ext
		}
		if sp.NodePort != 0 {
			out[udpTarget{Port: sp.NodePort, NodePort: true}] = ext
		}
	}
	return out
}

// conntrackJob is one deletion: entries for target (towards endpointIP,
// or all of them when endpointIP is empty).
type conntrackJob struct {
	Target     udpTarget
	EndpointIP string
}

// staleConntrack lists the deletions a change of a Service's ports needs:
// endpoints that went away, and targets that had no endpoints before.
func staleConntrack(old, cur []servicePort) []conntrackJob {
	before, after := udpTargets(old), udpTargets(cur)
	var jobs []conntrackJob
	for t, eps := range before {
		still := map[string]bool{}
		for _, ep := range after[t] {
			still[ep.IP] = true
		}
		for _, ep := range eps {
			if !still[ep.IP] {
				jobs = append(jobs, conntrackJob{Target: t, EndpointIP: ep.IP})
			}
		}
	}
	for t, eps := range after {
		if len(eps) > 0 && len(before[t]) == 0 {
			jobs = append(jobs, conntrackJob{Target: t})
		}
	}
	return jobs
}

func (j conntrackJob) args() []string {
	a := []string{"-D", "-p", "udp"}
	if j.Target.NodePort {
		a = append(a, "--orig-port-dst", strconv.Itoa(int(j.Target.Port)))
	} else {
		a = append(a, "--orig-dst", j.Target.IP, "--orig-port-dst", strconv.Itoa(int(j.Target.Port)))
	}
	if j.EndpointIP != "" {
		a = append(a, "--dst-nat", j.EndpointIP)
	}
	return a
}

// clearConntrack runs the deletions; "no entries" is not an error.
func clearConntrack(ctx context.Context, r runner, log *slog.Logger, jobs []conntrackJob) {
	for _, j := range jobs {
		// conntrack exits 1 when nothing matched; that is the usual case.
		if _, err := r.run(ctx, nil, "conntrack", j.args()...); err != nil {
			log.Debug("conntrack delete", "args", j.args(), "err", err)
		}
	}
}
