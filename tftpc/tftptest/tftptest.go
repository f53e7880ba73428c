// Package tftptest starts Debian's TFTP server, tftpd-hpa (in.tftpd), for
// tests: in the foreground (-L), on a free loopback port, serving a
// temporary directory (-s) in which uploads may create files (--create). The
// system's own tftpd-hpa service is not used. A missing in.tftpd skips the
// test, or fails it when the environment variable CI is "true".
package tftptest

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running in.tftpd.
type Server struct {
	// Addr is where it listens (127.0.0.1:PORT).
	Addr netip.AddrPort
	// Dir is the directory it serves.
	Dir string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<20 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
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
		msg := "in.tftpd (Debian tftpd-hpa) is not installed"
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: a missing peer is a failure)", msg)
		}
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		// it chroots into its directory, which needs root
		msg := "in.tftpd needs root (it chroots into the served directory)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		port := freeUDPPort(t)
		addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
		out := &lockedBuffer{}
		// -p: no checks beyond the file system's (files the test writes are
		// served as they are); -u root: no user to create for the test
		cmd := exec.Command(bin, "-L", "-p", "-u", "root", "-a", addr.String(), "-s", dir, "--create")
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting in.tftpd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if ready(addr, exited) {
			t.Cleanup(func() {
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
				if t.Failed() {
					t.Logf("in.tftpd output:\n%s", out.String())
				}
			})
			return &Server{Addr: addr, Dir: dir}
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		t.Logf("in.tftpd on %s did not start (attempt %d): %s", addr, attempt+1, out.String())
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

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago,
// below the kernel's ephemeral range (see ftptest's freePort).
func freeUDPPort(t testing.TB) int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	const first = 10000
	for range 100 {
		port := first + rand.IntN(low-first)
		c, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
			return port
		}
	}
	t.Fatal("no free UDP port on 127.0.0.1")
	return 0
}
