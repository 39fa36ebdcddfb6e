package proxy

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireKernelTools fails (never skips, like every prerequisite check of
// the project) when the kernel tests cannot run here: they need root and
// the netfilter and iproute2 tools, which scripts/install-deps.sh installs.
func requireKernelTools(t testing.TB, tools ...string) {
	t.Helper()
	missing := []string{}
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range append([]string{"ip", "nsenter", "nft", "iptables", "iptables-restore", "iptables-save"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	t.Fatalf("kernel test prerequisites missing: %v (apt-get install iproute2 util-linux nftables iptables conntrack; run as root)", missing)
}

var netnsSeq atomic.Int32

// testTopology is throwaway network namespaces standing for a node: a
// bridge nauta0 like the kubelet's, pods on veth pairs with hairpin on, and
// an "outside" namespace on a second link.
type testTopology struct {
	Host, Ext string
	Pods      map[string]string // pod name → namespace
	PodIPs    map[string]string
	HostIP    string // node address on the outside link
	ExtIP     string
}

func sh(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// newTopology builds the namespaces; pods maps pod names to IPs in
// 10.42.0.0/24.
func newTopology(t testing.TB, pods map[string]string) *testTopology {
	t.Helper()
	id := fmt.Sprintf("npx%d-%d", os.Getpid()%100000, netnsSeq.Add(1))
	topo := &testTopology{Host: id + "-h", Ext: id + "-e", Pods: map[string]string{}, PodIPs: pods, HostIP: "192.168.77.1", ExtIP: "192.168.77.2"}
	all := []string{topo.Host, topo.Ext}
	for name := range pods {
		ns := id + "-" + name
		topo.Pods[name] = ns
		all = append(all, ns)
	}
	t.Cleanup(func() {
		for _, ns := range all {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	for _, ns := range all {
		sh(t, "ip", "netns", "add", ns)
		sh(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	h := topo.Host
	sh(t, "ip", "-n", h, "link", "add", "nauta0", "type", "bridge")
	sh(t, "ip", "-n", h, "addr", "add", "10.42.0.1/24", "dev", "nauta0")
	sh(t, "ip", "-n", h, "link", "set", "nauta0", "up")
	i := 0
	for name, ip := range pods {
		i++
		ns := topo.Pods[name]
		veth := fmt.Sprintf("vp%d", i)
		sh(t, "ip", "link", "add", "name", veth, "netns", h, "type", "veth", "peer", "name", "eth0", "netns", ns)
		sh(t, "ip", "-n", h, "link", "set", veth, "master", "nauta0", "up")
		sh(t, "ip", "-n", h, "link", "set", veth, "type", "bridge_slave", "hairpin", "on")
		sh(t, "ip", "-n", ns, "addr", "add", ip+"/24", "dev", "eth0")
		sh(t, "ip", "-n", ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", ns, "route", "add", "default", "via", "10.42.0.1")
	}
	sh(t, "ip", "link", "add", "name", "vext", "netns", h, "type", "veth", "peer", "name", "eth0", "netns", topo.Ext)
	sh(t, "ip", "-n", h, "addr", "add", topo.HostIP+"/24", "dev", "vext")
	sh(t, "ip", "-n", h, "link", "set", "vext", "up")
	sh(t, "ip", "-n", topo.Ext, "addr", "add", topo.ExtIP+"/24", "dev", "eth0")
	sh(t, "ip", "-n", topo.Ext, "link", "set", "eth0", "up")
	// Like a real node, the host has a default route (here towards the
	// outside namespace).
	sh(t, "ip", "-n", h, "route", "add", "default", "via", topo.ExtIP)
	// External and LoadBalancer IPs are routed to the node.
	sh(t, "ip", "-n", topo.Ext, "route", "add", "192.168.78.0/24", "via", topo.HostIP)
	return topo
}

// inNetns runs fn on an OS thread switched into the named namespace.
// Sockets fn creates stay in that namespace.
func inNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: if switching back failed it must die
		// with the goroutine rather than serve others in the wrong netns.
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// serve starts TCP and UDP servers in ns that answer with reply.
func serve(t testing.TB, ns, reply string, tcpPort, udpPort int) {
	t.Helper()
	var ln net.Listener
	var pc net.PacketConn
	err := inNetns(ns, func() error {
		var err error
		if ln, err = net.Listen("tcp4", fmt.Sprintf(":%d", tcpPort)); err != nil {
			return err
		}
		pc, err = net.ListenPacket("udp4", fmt.Sprintf(":%d", udpPort))
		return err
	})
	if err != nil {
		t.Fatalf("servers in %s: %v", ns, err)
	}
	t.Cleanup(func() { ln.Close(); pc.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "%s %s\n", reply, c.RemoteAddr())
			c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_ = n
			pc.WriteTo([]byte(reply), addr)
		}
	}()
}

// dialTCP connects from ns to addr and returns the server's first word
// and the client address it saw.
func dialTCP(ns, addr string, timeout time.Duration) (string, string, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp4", addr, timeout)
		return err
	})
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", "", err
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		return "", "", fmt.Errorf("odd reply %q", line)
	}
	return f[0], f[1], nil
}

func dialUDP(ns, addr string, timeout time.Duration) (string, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		var err error
		c, err = net.Dial("udp4", addr)
		return err
	})
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("hi")); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// runnerIn runs tools inside ns.
func runnerIn(ns string) execRunner { return execRunner{netns: ns} }

func listRuleset(t testing.TB, ns string) string {
	t.Helper()
	r := runnerIn(ns)
	nft, err := r.run(context.Background(), nil, "nft", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	ipt, err := r.run(context.Background(), nil, "iptables-save")
	if err != nil {
		t.Fatal(err)
	}
	return string(nft) + "\n" + string(ipt)
}
