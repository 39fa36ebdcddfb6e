// Command udpecho is the UDP server and client of the Service end-to-end
// tests (busybox has no UDP client or server):
//
//	udpecho serve PORT           answer every datagram with "<hostname>: <datagram>"
//	udpecho send HOST:PORT MSG   send MSG and print the answer (3 tries, 2 s each)
package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: udpecho serve PORT | udpecho send HOST:PORT MSG")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2])
	case "send":
		if len(os.Args) < 4 {
			err = fmt.Errorf("send needs HOST:PORT and MSG")
			break
		}
		err = send(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "udpecho:", err)
		os.Exit(1)
	}
}

func serve(port string) error {
	conn, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	buf := make([]byte, 2048)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			return err
		}
		if _, err := conn.WriteTo([]byte(host+": "+string(buf[:n])), addr); err != nil {
			fmt.Fprintln(os.Stderr, "udpecho: reply:", err)
		}
	}
}

func send(addr, msg string) error {
	var last error
	for try := 0; try < 3; try++ {
		conn, err := net.Dial("udp", addr)
		if err != nil {
			return err
		}
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := conn.Write([]byte(msg)); err != nil {
			last = err
			conn.Close()
			continue
		}
		buf := make([]byte, 2048)
		n, err := conn.Read(buf)
		conn.Close()
		if err != nil {
			last = err
			continue
		}
		fmt.Println(string(buf[:n]))
		return nil
	}
	return last
}
