// Package testserver runs the real server programs that tests use as peers
// (sshtest's sshd, ftptest's FTP servers, tftptest's in.tftpd): it picks a
// free loopback port for a server that binds it itself, starts the program
// in a process group of its own and kills the group when the test ends,
// keeps the program's output for the log of a failing test, waits for the
// server's greeting, and skips a test whose peer is missing (or fails it
// when the environment variable CI is "true").
package testserver

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Missing skips the test because a peer cannot run, or fails it when
// CI=true. hint, if not empty, says how to provide the peer.
func Missing(t testing.TB, hint, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		if hint != "" {
			t.Fatalf("%s (CI=true: a missing peer is a failure; %s)", msg, hint)
		}
		t.Fatalf("%s (CI=true: a missing peer is a failure)", msg)
	}
	if hint != "" {
		msg += " (" + hint + ")"
	}
	t.Skip(msg)
}

// FreePort returns a port of network ("tcp" or "udp") that was free a moment
// ago on host, for a server that binds it itself. It is taken below the
// kernel's range of ephemeral ports (ip_local_port_range, 32768-60999 by
// default): a port from that range, released for the server to bind, can
// meanwhile become the local port of any outgoing connection of a test
// running in parallel, and the server then fails with "Address already in
// use".
func FreePort(t testing.TB, network, host string) int {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	const first = 10000 // above the ports of well-known services
	for range 100 {
		port := first + rand.IntN(low-first)
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		var c interface{ Close() error }
		var err error
		if network == "udp" {
			c, err = net.ListenPacket("udp", addr)
		} else {
			c, err = net.Listen("tcp", addr)
		}
		if err == nil {
			c.Close()
			return port
		}
	}
	t.Fatalf("no free %s port on %s between %d and %d", network, host, first, low-1)
	return 0
}

// Output collects a server's output (its first MiB) for the log of a
// failing test. It is safe for concurrent use.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.b.Len() > 1<<20 {
		return len(p), nil
	}
	return o.b.Write(p)
}

// String returns what was written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Process is a server program started by Start.
type Process struct {
	// Out is what the program wrote.
	Out *Output
	// Exited is closed once the program has exited.
	Exited <-chan struct{}

	pid  int
	once sync.Once
}

// Stop kills the program's process group (servers fork per session) and
// waits for the program to exit. It may be called more than once.
func (p *Process) Stop() {
	p.once.Do(func() {
		syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.Exited
	})
}

// Start starts cmd, named name in messages, in a process group of its own
// and stops it when the test ends, logging its output then if the test
// failed. It collects what cmd writes to its standard error, and to its
// standard output unless that is taken.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	out := &Output{}
	if cmd.Stdout == nil {
		cmd.Stdout = out
	}
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	p := &Process{Out: out, Exited: exited, pid: cmd.Process.Pid}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return p
}

// WaitGreeting waits until addr accepts TCP connections and its first line
// starts with prefix (an FTP server's "220", an SSH server's "SSH-2.0-");
// after 15 seconds it fails the test with the server's output.
func WaitGreeting(t testing.TB, p *Process, name, addr, prefix string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, prefix) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not start on %s; output:\n%s", name, addr, p.Out.String())
}

// UserDir creates a temporary directory (mode 0755) owned by uid and gid,
// removed when the test ends: the working directory of a server's local
// user.
func UserDir(t testing.TB, prefix string, uid, gid int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}
