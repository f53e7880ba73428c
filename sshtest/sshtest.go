// Package sshtest starts Debian's OpenSSH server (sshd from openssh-server)
// on a loopback port for tests, as the peer of an SSH, SFTP or SCP client
// under test.
//
// The server runs with a configuration of its own (a throwaway sshd_config
// and host key in a temporary directory), in the foreground (-D -e), as
// root, and accepts password logins of one local user only: the account
// "vrpsimftp" that scripts/ftp-peers.sh creates for the FTP peers. Its SFTP
// subsystem is sshd's internal-sftp, so the user needs no login shell; a
// session starts in a temporary directory owned by that user.
//
// A missing sshd, user or root privilege skips the test, or fails it when the
// environment variable CI is "true".
package sshtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// The account the server accepts (created by scripts/ftp-peers.sh).
const (
	User     = "vrpsimftp"
	Password = "vrpsim-peer-pw"
)

// SSHD is the path of Debian's sshd.
const SSHD = "/usr/sbin/sshd"

// Server is a running sshd.
type Server struct {
	// Addr is host:port.
	Addr string
	// Host and Port are Addr's parts.
	Host string
	Port int
	// User and Password log in.
	User, Password string
	// Dir is the directory an SFTP session starts in (its working
	// directory), on disk: owned by User.
	Dir string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey
	// UID and GID are User's numeric ids, as SFTP listings show them.
	UID, GID int

	out *lockedBuffer
}

// Log returns what sshd wrote so far.
func (s *Server) Log() string { return s.out.String() }

// Missing skips the test, or fails it when CI=true.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: a missing peer is a failure; run scripts/test.sh as root)", msg)
	}
	t.Skip(msg + " (run scripts/test.sh as root)")
}

// Start runs sshd on a free port of host (a loopback address) and stops it
// with every process it forked when the test ends.
func Start(t testing.TB, host string) *Server {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		Missing(t, "sshd not found at %s (Debian package openssh-server)", SSHD)
	}
	if os.Geteuid() != 0 {
		Missing(t, "sshd authenticates passwords only as root, and this is uid %d", os.Geteuid())
	}
	u, err := user.Lookup(User)
	if err != nil {
		Missing(t, "local user %s: %v", User, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// sshd's privilege separation needs its empty directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("sshtest: %v", err)
	}

	conf := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(conf, "ssh_host_ed25519_key")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}

	dir, err := os.MkdirTemp("", "sshtest-")
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

	port := freePort(t, host)
	config := strings.Join([]string{
		"ListenAddress " + net.JoinHostPort(host, strconv.Itoa(port)),
		"HostKey " + keyPath,
		"PidFile none",
		"UsePAM no",
		"PasswordAuthentication yes",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication no",
		"AuthorizedKeysFile none",
		"PermitRootLogin no",
		"AllowUsers " + User,
		"StrictModes no",
		"MaxStartups 50",
		"LogLevel DEBUG1", // shows the algorithms negotiated
		"Subsystem sftp internal-sftp -d " + dir,
		"",
	}, "\n")
	confPath := filepath.Join(conf, "sshd_config")
	if err := os.WriteFile(confPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd := exec.Command(SSHD, "-D", "-e", "-f", confPath)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sshd: %v", err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd output:\n%s", out.String())
		}
	})
	s := &Server{Addr: net.JoinHostPort(host, strconv.Itoa(port)), Host: host, Port: port, User: User, Password: Password,
		Dir: dir, HostKey: hostKey, UID: uid, GID: gid, out: out}
	waitReady(t, s)
	return s
}

// waitReady waits until sshd sends its version line.
func waitReady(t testing.TB, s *Server) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sshd did not start on %s; output:\n%s", s.Addr, s.out.String())
}

// freePort returns a port that was free a moment ago on host, below the
// kernel's range of ephemeral ports, so that no outgoing connection of a
// test running meanwhile takes it before sshd binds it.
func freePort(t testing.TB, host string) int {
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
		port := first + mrand.IntN(low-first)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatalf("no free port on %s between %d and %d", host, first, low-1)
	return 0
}

// lockedBuffer collects sshd's output for the log of a failing test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
