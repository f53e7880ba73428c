// Package tftptest starts Debian's TFTP server, tftpd-hpa (in.tftpd), for
// tests: in the foreground (-L), on a free loopback port, serving a
// temporary directory (-s) in which uploads may create files (--create). The
// system's own tftpd-hpa service is not used. A missing in.tftpd skips the
// test, or fails it when the environment variable CI is "true".
package tftptest

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/vrpsim/vrpsim/internal/testserver"
)

// Server is a running in.tftpd.
type Server struct {
	// Addr is where it listens (127.0.0.1:PORT).
	Addr netip.AddrPort
	// Dir is the directory it serves.
	Dir string
}

// Start runs in.tftpd until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("in.tftpd")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/in.tftpd"); serr == nil {
			bin, err = "/usr/sbin/in.tftpd", nil
		}
	}
	if err != nil {
		testserver.Missing(t, "", "in.tftpd (Debian tftpd-hpa) is not installed")
	}
	if os.Geteuid() != 0 {
		testserver.Missing(t, "", "in.tftpd needs root (it chroots into the served directory)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		port := testserver.FreePort(t, "udp", "127.0.0.1")
		addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		// -p: no checks beyond the file system's (files the test writes are
		// served as they are); -u root: no user to create for the test
		p := testserver.Start(t, "in.tftpd", exec.Command(bin, "-L", "-p", "-u", "root", "-a", addr.String(), "-s", dir, "--create"))
		if ready(addr, p.Exited) {
			return &Server{Addr: addr, Dir: dir}
		}
		p.Stop()
		t.Logf("in.tftpd on %s did not start (attempt %d): %s", addr, attempt+1, p.Out.String())
	}
	t.Fatal("in.tftpd did not start")
	return nil
}

// ready asks for a file that does not exist until the server answers (with
// an ERROR packet) or exits.
func ready(addr netip.AddrPort, exited <-chan struct{}) bool {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return false
	}
	defer conn.Close()
	rrq := append([]byte{0, 1}, "tftptest-probe\x00octet\x00"...)
	buf := make([]byte, 600)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		conn.WriteToUDPAddrPort(rrq, addr)
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _, err := conn.ReadFromUDPAddrPort(buf); err == nil && n >= 4 && buf[1] == 5 {
			return true
		}
	}
	return false
}
