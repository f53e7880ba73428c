package lab

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readUntil reads from c until the text read ends with want.
func readUntil(t *testing.T, c net.Conn, want string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	var b strings.Builder
	for !strings.HasSuffix(b.String(), want) {
		ch, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read: %v (got %q, want it to end with %q)", err, b.String(), want)
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// TestTelnetPort: a device's Telnet port 23 is served on its telnet-port
// once it runs telnet server enable, moves with telnet server port, and is
// closed by undo telnet server enable.
func TestTelnetPort(t *testing.T) {
	port := freePort(t, "127.88.5.1")
	l, _ := startLab(t, "devices:\n  - {sysname: T1, address: 127.88.5.1, ssh-port: 0, ftp-port: 0, telnet-port: "+port+"}\n")
	r := status(t, l, "T1")
	addr := net.JoinHostPort("127.88.5.1", port)
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("the Telnet port answers before telnet server enable")
	}
	out := execute(t, r.SSH, "system-view", "telnet server enable", "user-interface vty 0 4", "protocol inbound all")
	if diff := cmp.Diff("Enter system view, return user view with Ctrl+Z.\nInfo: Succeeded in starting the TELNET server.\n", out); diff != "" {
		t.Errorf("enable (-want +got):\n%s", diff)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("telnet-port after telnet server enable: %v", err)
	}
	readUntil(t, c, "Username:")
	c.Close()

	moved := freePort(t, "127.88.5.1")
	execute(t, r.SSH, "system-view", "telnet server port "+moved)
	if c, err := net.Dial("tcp", net.JoinHostPort("127.88.5.1", moved)); err != nil {
		t.Errorf("telnet server port %s: %v", moved, err)
	} else {
		c.Close()
	}
	execute(t, r.SSH, "system-view", "undo telnet server port", "undo telnet server enable")
	_, err = net.Dial("tcp", addr)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after undo telnet server enable: %v, want connection refused", err)
	}
}

// freePort returns a port free on host now.
func freePort(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
