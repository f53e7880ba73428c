package ftpd

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIPv6 runs a device on ::1: EPSV and EPRT work, PASV and PORT are refused.
func TestIPv6(t *testing.T) {
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	ts := startServer(t, "::1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	var got []string
	got = append(got, c.cmd("PASV"), c.cmd("PORT 127,0,0,1,4,1"), c.cmd("EPSV 1"), c.cmd("EPRT |1|127.0.0.1|1025|"))

	epsv := c.cmd("EPSV 2")
	var port int
	if _, err := fmt.Sscanf(epsv, "229 Entering Extended Passive Mode (|||%d|).", &port); err != nil {
		t.Fatalf("EPSV: %q", epsv)
	}
	d, err := net.Dial("tcp", fmt.Sprintf("[::1]:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, c.cmd("RETR vrpcfg.zip"))
	data, _ := io.ReadAll(d)
	d.Close()
	got = append(got, string(data), c.reply())

	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port = l.Addr().(*net.TCPAddr).Port
	got = append(got, c.cmd(fmt.Sprintf("EPRT |2|::1|%d|", port)), c.cmd("TYPE I"))
	c.send("RETR vrpcfg.zip")
	a, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	data, _ = io.ReadAll(a)
	a.Close()
	got = append(got, c.reply(), string(data), c.reply())
	want := []string{
		"522 Network protocol not supported, use EPSV.",
		"522 Network protocol not supported, use (2)",
		"522 Network protocol not supported, use (2)",
		"522 Network protocol not supported, use (2)",
		"150 Opening ASCII mode data connection for vrpcfg.zip.", "config\r\n", "226 Transfer complete.",
		"200 EPRT command successful.", "200 Type set to I.",
		"150 Opening BINARY mode data connection for vrpcfg.zip.", "config\n", "226 Transfer complete.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestPassivePortRange checks that PASV and EPSV use the configured ports.
func TestPassivePortRange(t *testing.T) {
	const first, last = 40100, 40119
	ts := startServer(t, "127.0.0.1", func(c *Config) { c.PassivePorts = PortRange{First: first, Last: last} })
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	for i := 0; i < 5; i++ {
		reply := c.cmd("EPSV")
		var port int
		if _, err := fmt.Sscanf(reply, "229 Entering Extended Passive Mode (|||%d|).", &port); err != nil {
			t.Fatalf("EPSV: %q", reply)
		}
		if port < first || port > last {
			t.Errorf("passive port %d outside %d-%d", port, first, last)
		}
	}
}

// TestUTF8Names stores and lists a file with a non-ASCII name (RFC 2640).
func TestUTF8Names(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	c.login("huawei", "Huawei@123")
	got := []string{c.cmd("OPTS UTF8 ON"), c.cmd("MKD 配置")}
	_, last := c.stor("STOR", "配置/Größe.cfg", []byte("x"))
	names, _, _ := c.list("NLST 配置")
	got = append(got, last, strings.ReplaceAll(names, "\r\n", " "), c.cmd("SIZE /配置/größe.cfg"), c.cmd("AUTH TLS"))
	want := []string{
		"200 UTF8 mode enabled.", `257 "配置" new directory created.`,
		"226 Transfer complete.", ".. Größe.cfg . ", "213 1",
		"502 Command not implemented.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
