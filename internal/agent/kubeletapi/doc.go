// Package kubeletapi is the node agent's HTTPS API on port 10250, the one
// the API server calls for pods/log, exec, attach, portforward and
// nodes/proxy: container logs read from the CRI log files, exec, attach and
// port forwarding set up through CRI and then proxied (protocol upgrade and
// all) to the runtime's own streaming server, the pod list and a stats
// summary.
//
// It only reads: it never creates, changes or removes pods or containers
// (that is the kubelet's pod worker), and it never talks to the API server.
// Every caller must present a client certificate signed by Config.ClientCA
// (else 401) and be the API server or a cluster admin (else 403); see
// auth.go for why this is not yet an authorization webhook.
package kubeletapi
